"""The DAGs as Airflow sees them: they import cleanly and fast, with the designed structure.

Parsing uses Airflow's own DagBag on the real dags/ folder. Airflow's configuration is
pointed at a scratch AIRFLOW_HOME before Airflow is imported, so the tests never touch a
user's ~/airflow.
"""

from __future__ import annotations

import json
import logging
import os
import time
from types import SimpleNamespace

import pytest

from warehouse.config import PROJECT_ROOT

pytestmark = pytest.mark.airflow

os.environ.setdefault("AIRFLOW_HOME", str(PROJECT_ROOT / ".gwh" / "airflow"))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(PROJECT_ROOT / "dags")

DAGS = PROJECT_ROOT / "dags"
MANIFEST = PROJECT_ROOT / "dbt" / "target" / "manifest.json"


def _load_dagbag():
    from airflow.dag_processing.dagbag import DagBag

    t0 = time.perf_counter()
    bag = DagBag(dag_folder=str(DAGS))
    return bag, time.perf_counter() - t0


@pytest.fixture(scope="module")
def parsed():
    """The DagBag of dags/ and the wall time of filling it (the first fill in this process,
    so it includes importing Cosmos and the dbt manifest, as a fresh dag-processor would)."""
    assert MANIFEST.is_file(), "dbt/target/manifest.json missing: run `make setup` first"
    return _load_dagbag()


@pytest.fixture(scope="module")
def bag(parsed):
    return parsed[0]


@pytest.fixture(scope="module")
def nightly(bag):
    return bag.dags["gwh_nightly"]


@pytest.fixture(scope="module")
def reanalysis(bag):
    return bag.dags["gwh_reanalysis"]


def test_dags_import_without_errors_or_warnings(bag) -> None:
    assert bag.import_errors == {}
    assert bag.captured_warnings == {}
    assert set(bag.dag_ids) == {"gwh_nightly", "gwh_reanalysis", "gwh_release"}


def test_dagbag_parses_in_under_two_seconds(parsed) -> None:
    bag, seconds = parsed
    assert bag.dag_ids
    assert seconds < 2.0, f"DagBag took {seconds:.2f}s to parse dags/"


def test_parsing_does_no_database_or_landing_io(monkeypatch) -> None:
    """With every way to reach PostgreSQL broken and no landing area, the DAGs still parse."""
    import psycopg

    from warehouse import db

    def refuse(*args, **kwargs):
        raise AssertionError("database access at DAG parse time")

    monkeypatch.setattr(psycopg, "connect", refuse)
    monkeypatch.setattr(db, "resolve_server", refuse)
    monkeypatch.setattr(db, "warehouse_url", refuse)
    monkeypatch.setenv("GWH_LANDING", "/nonexistent/landing")
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://nobody@192.0.2.1:1/none")
    bag, _ = _load_dagbag()
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"gwh_nightly", "gwh_reanalysis", "gwh_release"}


def _downstream_closure(dag, task_id: str) -> set[str]:
    return {t.task_id for t in dag.get_task(task_id).get_flat_relatives(upstream=False)}


def test_nightly_runs_its_steps_in_order(nightly) -> None:
    order = [
        "wait_for_deliveries",
        "load_feeds",
        "list_genomes",
        "process_genomes",
        "genomes_summary",
        "apply_withdrawals",
        "dq_raw",
        "dbt.dbt_producer_watcher",
        "dq_marts",
        "promote_reporting",
    ]
    for before, after in zip(order, order[1:], strict=False):
        assert after in _downstream_closure(nightly, before), f"{before} must precede {after}"
    assert "dbt.dbt_producer_watcher" in _downstream_closure(nightly, "dq_genomics")
    assert [t.task_id for t in nightly.roots] == ["wait_for_deliveries"]
    assert nightly.get_task("wait_for_deliveries").mode == "reschedule"
    # announcing a new PanelApp snapshot depends only on the load
    assert nightly.get_task("announce_new_panels").upstream_task_ids == {"load_feeds"}


def test_genomes_are_a_mapped_task(nightly) -> None:
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    task = nightly.get_task("process_genomes")
    assert isinstance(task, MappedOperator)
    assert task.upstream_task_ids == {"list_genomes"}
    # the summary still runs (and reports) when some genomes failed
    assert nightly.get_task("genomes_summary").trigger_rule == "all_done"


def test_every_dbt_model_and_its_tests_are_visible_tasks(nightly) -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    # the release layer is built by gwh_release when it cuts a release, not every night
    nodes = [n for n in manifest["nodes"].values() if not n["path"].startswith("release/")]
    models = {n["name"] for n in nodes if n["resource_type"] == "model"}
    tested = {
        manifest["nodes"][dep]["name"]
        for n in nodes
        if n["resource_type"] == "test"
        for dep in n["depends_on"]["nodes"]
        if dep in manifest["nodes"] and manifest["nodes"][dep]["resource_type"] == "model"
    }
    ids = set(nightly.task_ids)
    assert models, "the manifest lists no models"
    # a model with tests is a task group (<model>.run, <model>.test); one without, <model>_run
    missing = sorted(m for m in models if f"dbt.{m}.run" not in ids and f"dbt.{m}_run" not in ids)
    assert not missing, f"models without a task: {missing}"
    untested = sorted(m for m in tested if f"dbt.{m}.test" not in ids)
    assert not untested, f"model tests without a task: {untested}"
    for n in nodes:
        if n["resource_type"] in ("seed", "snapshot"):
            kind = "seed" if n["resource_type"] == "seed" else "snapshot"
            assert f"dbt.{n['name']}_{kind}" in ids or f"dbt.{n['name']}.{kind}" in ids


def test_operations_policy(nightly, reanalysis, monkeypatch) -> None:
    from orchestration.failures import log_failure
    from orchestration.policy import WRITERS_POOL

    for dag in (nightly, reanalysis):
        assert dag.max_active_runs == 1
        assert dag.catchup is False
    for tid in ("load_feeds", "process_genomes", "apply_withdrawals", "promote_reporting"):
        task = nightly.get_task(tid)
        assert task.pool == WRITERS_POOL, tid
        assert task.retry_exponential_backoff
        assert log_failure in _callbacks(task.on_failure_callback), tid
    assert nightly.get_task("dbt.dbt_producer_watcher").pool == WRITERS_POOL
    assert reanalysis.get_task("retier_and_publish").pool == WRITERS_POOL
    if "GWH_TASK_RETRIES" not in os.environ:
        assert nightly.get_task("load_feeds").retries == 2


def _callbacks(cb) -> list:
    return list(cb) if isinstance(cb, list | tuple) else [cb]


def test_assets_link_the_nightly_to_the_reanalysis(nightly, reanalysis) -> None:
    from orchestration.assets import RAW_PANELAPP, REANALYSIS, REPORTING

    assert RAW_PANELAPP in nightly.get_task("announce_new_panels").outlets
    assert REPORTING in nightly.get_task("promote_reporting").outlets
    assert list(reanalysis.timetable.asset_condition.objects) == [RAW_PANELAPP]
    assert REANALYSIS in reanalysis.get_task("retier_and_publish").outlets
    # Asset URIs follow the postgres scheme: host:port/database/schema/table
    assert RAW_PANELAPP.uri.startswith("postgres://")
    assert len(RAW_PANELAPP.uri.split("://", 1)[1].split("/")) == 4


def test_release_runs_after_a_promoted_night_or_by_hand(bag, nightly) -> None:
    """gwh_release is scheduled on the reporting Asset only the nightly promotion emits, and
    its cut runs only after the task that decides a release is due."""
    from orchestration.assets import RELEASES, REPORTING

    release = bag.dags["gwh_release"]
    assert REPORTING in nightly.get_task("promote_reporting").outlets
    assert list(release.timetable.asset_condition.objects) == [REPORTING]
    assert release.get_task("cut_release").upstream_task_ids == {"release_due"}
    assert RELEASES in release.get_task("cut_release").outlets


def test_failure_callback_logs_one_clear_line(caplog) -> None:
    from orchestration.failures import failure_summary, log_failure

    ti = SimpleNamespace(
        dag_id="gwh_nightly", task_id="process_genome", map_index=7, try_number=3, run_id="r1"
    )
    context = {"ti": ti, "run_id": "r1", "exception": RuntimeError("FAM1 failed: disk full")}
    line = failure_summary(context)
    assert line == (
        "GWH FAILURE dag=gwh_nightly task=process_genome[7] run=r1 try=3: "
        "RuntimeError: FAM1 failed: disk full"
    )
    with caplog.at_level(logging.ERROR, logger="orchestration.tasks"):
        log_failure(context)
    assert line in caplog.text
