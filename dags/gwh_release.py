"""gwh_release: cut a numbered research data release from a promoted night.

Runs when the nightly DAG promotes its reporting layer (the `reporting` Asset: only a night
whose data-quality gate passed emits it) or when triggered by hand. `release_due` decides:
a night already in a release is never cut again, and an automatic run cuts only every
`gwh_release_every_days` days (Airflow Variable, read at run time; unset or 0 means by hand
only). `cut_release` builds the release views, cuts `release_vN` from one snapshot, runs the
`release` data-quality suite and publishes it, or fails and leaves the previous release as
`release_latest`.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Variable, dag, task

import orchestration as orch
from orchestration.assets import RELEASES, REPORTING
from orchestration.policy import DEFAULT_ARGS, WRITERS_POOL


@dag(
    dag_id="gwh_release",
    description="Cut a research data release after a promoted night (by hand or on a cadence)",
    schedule=[REPORTING],
    start_date=datetime(2025, 5, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["genomics-warehouse", "releases"],
    doc_md=__doc__,
)
def gwh_release() -> None:
    @task.short_circuit
    def release_due(dag_run=None) -> bool:
        """Skip the cut unless a promoted, unreleased night is due."""
        from orchestration.releases import EVERY_DAYS_VARIABLE, release_due

        run_type = getattr(dag_run, "run_type", None)
        manual = getattr(run_type, "value", run_type) == "manual"
        every = int(Variable.get(EVERY_DAYS_VARIABLE, default="0") or 0)
        due = release_due(orch.warehouse_url(), manual=manual, every_days=every)
        print(due.reason)
        return due.due

    @task(pool=WRITERS_POOL, outlets=[RELEASES])
    def cut_release() -> dict:
        """Cut, check and publish the next release."""
        from orchestration.releases import cut_release

        return cut_release(orch.warehouse_url())

    release_due() >> cut_release()


gwh_release()
