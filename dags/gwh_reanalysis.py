"""gwh_reanalysis: re-tier stored candidates when a new PanelApp delivery has been loaded.

Scheduled on data, not on a clock: the nightly DAG's `announce_new_panels` task emits the
`raw.panelapp_panels` Asset only on a night that loaded a new PanelApp snapshot, and that
event starts this DAG. It re-tiers every stored candidate against the newest panel versions
(no VCF is read again) and publishes, per GMC, the list of variants that have newly become
Tier 1 or 2: the families a GMC should look at again.

Asset-triggered runs have no logical date; the list is filed under the date of the panel
delivery it reflects, so a rerun rewrites the same files.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

import orchestration as orch
from orchestration.assets import RAW_PANELAPP, REANALYSIS, VARIANT_TIERS
from orchestration.policy import DEFAULT_ARGS, WRITERS_POOL


@dag(
    dag_id="gwh_reanalysis",
    description="Re-tier stored candidates against new PanelApp panels; publish new Tier 1/2",
    schedule=[RAW_PANELAPP],
    start_date=datetime(2025, 5, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["genomics-warehouse", "reanalysis"],
    doc_md=__doc__,
)
def gwh_reanalysis() -> None:
    @task(pool=WRITERS_POOL, outlets=[VARIANT_TIERS, REANALYSIS])
    def retier_and_publish() -> dict:
        """Re-tier against the newest panels and write the per-GMC lists to the outbox."""
        return orch.reanalyse(orch.warehouse_url(), orch.outbox_root())

    retier_and_publish()


gwh_reanalysis()
