"""The dbt project as a Cosmos task group, rendered from the manifest built at set-up."""

from __future__ import annotations

from orchestration.policy import WRITERS_POOL
from warehouse.config import PROJECT_ROOT

#: The dbt project and the manifest Cosmos renders the DAG from (built at set-up by make).
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def dbt_env_template() -> dict[str, str]:
    """dbt's connection variables as Jinja templates, rendered when a dbt task runs.

    The values come from the `gwh_dbt_env` macro (orchestration.tasks.dbt_env_value),
    which resolves the warehouse by the project rule at run time, so parsing the DAG never
    resolves a server. Airflow masks rendered values whose key names a password.
    """
    names = ["GWH_DB_HOST", "GWH_DB_PORT", "GWH_DB_USER", "GWH_DB_PASSWORD", "GWH_DB_NAME"]
    return {n: "{{ gwh_dbt_env('" + n + "') }}" for n in names}


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
            # The release layer is built by the gwh_release DAG when it cuts a release, not
            # every night.
            exclude=["resource_type:exposure", "path:models/release"],
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
