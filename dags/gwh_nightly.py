"""gwh_nightly: the night's refresh of the warehouse, for one logical date.

wait for complete deliveries (_SUCCESS) -> load every feed -> summarise and tier each new
genome (mapped over batches, so a night of any size stays within Airflow's max_map_length;
each genome is its own ledger transaction: a bad genome is quarantined alone, a failed batch
retries only what the ledger has not finished) -> apply consent withdrawals -> data-quality
checkpoints on raw and genomics -> dbt build through Cosmos (each model and test a visible
task) -> data-quality checkpoint on marts -> promote the reporting layer. Withdrawals are
applied before dbt, not after it: then no table built tonight ever holds a withdrawn
participant, and the reports promoted are already clean. A night that loads a new PanelApp
snapshot emits the panel Asset (gwh_reanalysis runs).

Thin by rule: every task calls one function of the orchestration package. Nothing runs at parse
time: the warehouse is resolved inside tasks, dbt is rendered from the manifest built at
set-up. Runs are serialised (max_active_runs=1) because night N+1 must see night N's ledger;
a backfill over several dates therefore processes them in order, and a late night catches up
every delivery dated on or before it, so the warehouse ends the same either way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task

import orchestration as orch
from orchestration.assets import (
    MARTS,
    RAW_HES,
    RAW_MORTALITY,
    RAW_PANELAPP,
    RAW_REFERRALS,
    RAW_SEQUENCING,
    REPORTING,
    VARIANT_TIERS,
    WITHDRAWALS,
)
from orchestration.dbt_group import dbt_task_group
from orchestration.policy import DEFAULT_ARGS, WRITERS_POOL
from orchestration.sensors import DeliveriesSensor


@dag(
    dag_id="gwh_nightly",
    description="Nightly load, genomes, withdrawals, data quality, dbt and reporting",
    schedule="@daily",
    start_date=datetime(2025, 5, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=12),
    user_defined_macros={"gwh_dbt_env": orch.dbt_env_value},
    tags=["genomics-warehouse", "nightly"],
    doc_md=__doc__,
)
def gwh_nightly() -> None:
    @task(
        pool=WRITERS_POOL,
        outlets=[RAW_REFERRALS, RAW_HES, RAW_MORTALITY, RAW_SEQUENCING],
    )
    def load_feeds(dag_run=None) -> dict:
        """Every feed's deliveries due by the night, through the ledger (exactly once)."""
        report = orch.load_night(
            orch.landing_root(),
            orch.warehouse_url(),
            orch.night_of(dag_run),
            demo_key=orch.demo_key(),
        )
        return {"night": report["night"], "feeds": report["feeds"]}

    @task
    def list_genomes(dag_run=None) -> list[list[dict[str, str]]]:
        """The night's genomes not yet processed, in batches (never more than Airflow maps)."""
        return orch.night_genome_batches(
            orch.landing_root(), orch.warehouse_url(), orch.night_of(dag_run)
        )

    @task(pool=WRITERS_POOL, max_active_tis_per_dagrun=4)
    def process_genomes(batch: list[dict[str, str]]) -> dict:
        """Summarise and tier a batch of genomes (mapped: one task instance per batch)."""
        return orch.process_night_genomes(orch.landing_root(), orch.warehouse_url(), batch)

    @task(outlets=[VARIANT_TIERS], trigger_rule="all_done")
    def genomes_summary(batches: list[list[dict]] | None, results: list[dict] | None) -> dict:
        """Counts of the night's genomes by outcome and tier.

        Runs even when some batches failed (trigger rule all_done) so the night's counts are
        logged, then stops the night if any genome was not processed after its retries:
        rerunning the night processes only the genomes the ledger has not finished.
        """
        if batches is None:
            raise RuntimeError("listing the night's genomes failed: see list_genomes")
        done = [r for r in (results or []) if r]
        summary = orch.summarise_genomes(done)
        missing = sum(len(b) for b in batches) - summary["genomes"]
        if missing:
            raise RuntimeError(f"{missing} of {summary['genomes'] + missing} genomes failed")
        return summary

    @task(pool=WRITERS_POOL, outlets=[WITHDRAWALS])
    def apply_withdrawals() -> dict:
        """Consent withdrawals remove (or flag) participants in every layer, with audit rows."""
        return orch.withdrawals(orch.warehouse_url(), orch.landing_root(), demo_key=orch.demo_key())

    @task
    def dq_raw(run_id: str | None = None) -> dict:
        """Critical expectations on the raw layer: a failure stops the night before dbt."""
        return orch.data_quality(orch.warehouse_url(), "raw", run_id)

    @task
    def dq_genomics(run_id: str | None = None) -> dict:
        """Critical expectations on genome summaries, candidates and tiers."""
        return orch.data_quality(orch.warehouse_url(), "genomics", run_id)

    @task(outlets=[RAW_PANELAPP])
    def announce_new_panels(load: dict) -> str:
        """Emit the PanelApp asset (which triggers gwh_reanalysis) only on a new delivery."""
        from airflow.sdk.exceptions import AirflowSkipException

        panel = load["feeds"].get("panelapp", {})
        if not panel.get("files_loaded"):
            raise AirflowSkipException("no new PanelApp delivery tonight")
        return f"{panel['files_loaded']} new PanelApp files"

    dbt = dbt_task_group()

    @task
    def dq_marts(run_id: str | None = None) -> dict:
        """Critical expectations on the marts dbt built: a failure keeps last night's reports."""
        return orch.data_quality(orch.warehouse_url(), "marts", run_id)

    @task(pool=WRITERS_POOL, outlets=[MARTS, REPORTING])
    def promote_reporting(run_id: str | None = None) -> dict:
        """Publish the reporting tables atomically (readers never see a half-built night)."""
        return orch.promote(orch.warehouse_url(), run_id)

    loaded = load_feeds()
    genomes = list_genomes()
    processed = process_genomes.expand(batch=genomes)
    summary = genomes_summary(genomes, processed)
    withdrawn = apply_withdrawals()
    checked_raw = dq_raw()
    checked_genomics = dq_genomics()
    checked_marts = dq_marts()

    wait = DeliveriesSensor(
        task_id="wait_for_deliveries", poke_interval=300, timeout=6 * 3600, mode="reschedule"
    )
    wait >> loaded >> genomes
    loaded >> announce_new_panels(loaded)
    summary >> withdrawn >> [checked_raw, checked_genomics] >> dbt
    dbt >> checked_marts >> promote_reporting()


gwh_nightly()
