"""Shared definitions of the genomics-warehouse DAGs: assets, pool, retry policy, dbt config.

Why here: both DAGs name the same Assets (data-aware scheduling needs identical URIs) and the
same operational policy. Nothing in this module touches the database or the landing area:
Airflow imports it at every parse, and only environment variables and constants are read.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import Asset
from airflow.sdk.bases.sensor import BaseSensorOperator

from loaders.orchestration import (
    DBT_MANIFEST,
    DBT_PROJECT_DIR,
    WRITERS_POOL,
    log_failure,
)

#: Asset URIs follow Airflow's postgres scheme: postgres://host:port/database/schema/table.
#: The namespace is the warehouse as deployed (compose service `warehouse-db`, database gwh);
#: it names the data, it is not used to connect.
ASSET_NAMESPACE = os.environ.get("GWH_ASSET_NAMESPACE", "postgres://warehouse-db:5432/gwh")


def warehouse_asset(schema: str, table: str) -> Asset:
    """The Asset for one warehouse table."""
    return Asset(name=f"gwh.{schema}.{table}", uri=f"{ASSET_NAMESPACE}/{schema}/{table}")


RAW_REFERRALS = warehouse_asset("raw", "referrals_participants")
RAW_HES = warehouse_asset("raw", "hes_apc")
RAW_MORTALITY = warehouse_asset("raw", "mortality_deaths")
RAW_SEQUENCING = warehouse_asset("raw", "sequencing_manifest")
RAW_PANELAPP = warehouse_asset("raw", "panelapp_panels")
VARIANT_TIERS = warehouse_asset("raw", "variant_tiers")
MARTS = warehouse_asset("marts", "fct_tiered_variant")
REPORTING = warehouse_asset("reporting", "rpt_tier_distribution")
WITHDRAWALS = warehouse_asset("audit", "withdrawals")
#: Published by the reanalysis DAG: the per-GMC lists of newly Tier 1/2 variants.
REANALYSIS = Asset(name="gwh.outbox.reanalysis", uri="file:///gwh/outbox/reanalysis")

#: Operational policy for every task: retries with exponential backoff, a clear failure log.
DEFAULT_ARGS = {
    "owner": "genomics-warehouse",
    # GWH_TASK_RETRIES lets the in-process demo/tests fail fast; production keeps 2.
    "retries": int(os.environ.get("GWH_TASK_RETRIES", "2")),
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    "on_failure_callback": log_failure,
}


def dbt_env_template() -> dict[str, str]:
    """dbt's connection variables as Jinja templates, rendered when a dbt task runs.

    The values come from the `gwh_dbt_env` macro (loaders.orchestration.dbt_env_value),
    which resolves the warehouse by the project rule at run time, so parsing the DAG never
    resolves a server. Airflow masks rendered values whose key names a password.
    """
    names = ["GWH_DB_HOST", "GWH_DB_PORT", "GWH_DB_USER", "GWH_DB_PASSWORD", "GWH_DB_NAME"]
    return {n: "{{ gwh_dbt_env('" + n + "') }}" for n in names}


class DeliveriesSensor(BaseSensorOperator):
    """Waits until the night's deliveries are complete (every due folder has `_SUCCESS`).

    A plain sensor class rather than `@task.sensor`: it reads only folder names and markers
    when poked (never at parse time), and logs what it is waiting for on every poke.
    """

    def poke(self, context) -> bool:
        from loaders.orchestration import check_deliveries, landing_root, night_of

        r = check_deliveries(landing_root(), night_of(context["dag_run"]))
        self.log.info(
            "night %s: %d complete delivery folders, %d still being written%s",
            r.night,
            r.complete,
            len(r.incomplete),
            f" (e.g. {', '.join(r.incomplete[:3])})" if r.incomplete else "",
        )
        for w in r.warnings[:5]:
            self.log.warning("%s", w)
        return r.ready


def dbt_task_group(group_id: str = "dbt"):
    """The dbt project as a Cosmos task group: one visible task per model, seed, snapshot
    and per model's tests, rendered from the manifest built at set-up (no `dbt ls` at parse).

    Watcher execution: one producer task runs a single `dbt build` (one parse, dbt's own
    threads) and every model/test task reports the status of its node from that build, so
    each node stays visible without paying dbt's start-up per node (~2 s each, which on 2
    cores would dominate the night); a failed node shows as the failed task.
    """
    from cosmos import (
        DbtTaskGroup,
        ExecutionConfig,
        ProfileConfig,
        ProjectConfig,
        RenderConfig,
    )
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    project = ProjectConfig(
        dbt_project_path=DBT_PROJECT_DIR,
        manifest_path=DBT_MANIFEST,
        project_name="genomics_warehouse",
        env_vars=dbt_env_template(),
        install_dbt_deps=False,
    )
    # ProjectConfig wraps the manifest in an ObjectStoragePath (for s3:// and the like); for
    # a local file that costs ~0.7 s of storage/lineage plugin discovery on every parse.
    # A plain Path offers the same open()/exists() Cosmos uses.
    project.manifest_path = DBT_MANIFEST
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=project,
        profile_config=ProfileConfig(
            profile_name="genomics_warehouse",
            target_name="warehouse",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.DBT_RUNNER,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
            emit_datasets=False,
            # The dashboard exposure documents a consumer for dbt docs; it builds nothing.
            exclude=["resource_type:exposure"],
        ),
        operator_args={"pool": WRITERS_POOL},
    )
    # Cosmos leaves the producer and the root model tasks side by side inside a task group
    # (consumers sense the producer's progress while it runs). A sequential runner such as
    # `airflow dags test` may then start a consumer first and wait on it for ever; putting
    # the producer upstream of the roots makes the order explicit everywhere, and a failed
    # build marks the model tasks upstream_failed instead of leaving them polling.
    producer = group.children[f"{group_id}.dbt_producer_watcher"]
    for root in group.get_roots():
        if root is not producer:
            producer >> root
    return group
