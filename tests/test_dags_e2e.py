"""End to end: the nightly DAG, run by Airflow (`dag.test()`), on a small simulation.

Airflow runs in a subprocess with its own AIRFLOW_HOME and SQLite metadata, so this test
process's Airflow configuration (if any) is untouched; the warehouse is a throwaway database
on the real PostgreSQL. The same night is then run a second time: the warehouse must not
change (table checksums equal), which is what makes a retried or backfilled night safe.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from support.warehouse_build import table_digests

import orchestration as orch
from loaders.ingest import discover
from simulator.simulate import simulate
from warehouse import db
from warehouse.config import PROJECT_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.airflow]

RUN_NIGHT = """
import sys
from datetime import datetime, timezone
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
assert not bag.import_errors, bag.import_errors
dag = bag.dags["gwh_nightly"]
run = dag.test(logical_date=datetime.fromisoformat(sys.argv[2]).replace(tzinfo=timezone.utc))
print("GWH_RUN", run.run_id, run.state)
sys.exit(0 if str(run.state) in ("success", "DagRunState.SUCCESS") else 1)
"""

#: Airflow's cap on mapped task instances for these runs, far below the night's genomes.
MAX_MAP_LENGTH = 4

#: Schemas whose content a rerun must leave unchanged (dq and audit record each run).
CHECKED_SCHEMAS = ("ledger", "raw", "quarantine", "staging", "intermediate", "marts", "reporting")


@pytest.fixture(scope="module")
def world(tmp_path_factory, pg_server) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("e2e")
    simulate(base / "sim", participants=60, seed=31, nights=1, progress=False)
    url = db.with_database(pg_server.url, f"gwh_test_e2e_{os.getpid()}_{secrets.token_hex(3)}")
    db.ensure_database(url)
    db.init_db(url)
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(base / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DO_NOT_TRACK": "1",
            "WAREHOUSE_URL": url,
            "GWH_LANDING": str(base / "sim" / "landing"),
            "GWH_OUTBOX": str(base / "outbox"),
            "GWH_HOME": str(base / "state"),
            "GWH_TASK_RETRIES": "0",
            # More genomes than Airflow may map: the night must batch them to run at all.
            "AIRFLOW__CORE__MAX_MAP_LENGTH": str(MAX_MAP_LENGTH),
            "GWH_GENOMES_PER_BATCH": "1",
        }
    )
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run(
        [str(airflow), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300
    )
    truth = json.loads((base / "sim" / "ground_truth" / "cohort.json").read_text())
    try:
        yield {"base": base, "url": url, "env": env, "night": truth["nights"][0]}
    finally:
        db.drop_database(url)


def _run_night(world: dict, tag: str) -> str:
    log = world["base"] / f"night-{tag}.log"
    with log.open("w") as fh:
        proc = subprocess.run(
            [sys.executable, "-c", RUN_NIGHT, str(PROJECT_ROOT / "dags"), world["night"]],
            env=world["env"],
            stdout=fh,
            stderr=subprocess.STDOUT,
            timeout=900,
        )
    text = log.read_text(errors="replace")
    failures = [ln for ln in text.splitlines() if "GWH FAILURE" in ln]
    assert proc.returncode == 0, f"nightly run failed ({log}): {failures[:3] or text[-2000:]}"
    return next(ln.split()[1] for ln in text.splitlines() if ln.startswith("GWH_RUN"))


def checksums(url: str) -> dict[str, str]:
    """Content digests of every table, timestamp columns left out: a rebuilt table carries
    the time it was built, which is not a change of content. Tables of the data-quality run
    history (`*dq*`: one row per checkpoint run) grow with every run by design and are left
    out too."""
    return table_digests(url, CHECKED_SCHEMAS, skip_table=lambda t: "dq" in t.split("_"))


def test_nightly_dag_builds_the_warehouse_and_a_rerun_changes_nothing(world) -> None:
    url, night = world["url"], world["night"]
    run_id = _run_night(world, "first")

    landing = Path(world["env"]["GWH_LANDING"])
    deliveries, _ = discover(landing)
    due = {d.rel_path for d in deliveries if orch.due_by(d, date.fromisoformat(night))}
    with psycopg.connect(url) as conn:
        in_ledger = {r[0] for r in conn.execute("select path from ledger.deliveries")}
        vcfs = conn.execute(
            "select count(*) from ledger.files where kind = 'vcf' and status = 'loaded'"
        ).fetchone()[0]
        checks = dict(
            conn.execute(
                "select stage, success from dq.checkpoint_runs where run_id = %s", (run_id,)
            ).fetchall()
        )
        reporting = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'reporting'"
        ).fetchone()[0]
        tiers = conn.execute("select count(*) from raw.variant_tiers").fetchone()[0]
    listed = orch.night_genomes(landing, url, night)
    with sqlite3.connect(Path(world["env"]["AIRFLOW_HOME"]) / "airflow.db") as meta:
        mapped = meta.execute(
            "select count(*), sum(state = 'success') from task_instance "
            "where dag_id = 'gwh_nightly' and task_id = 'process_genomes' and run_id = ?",
            (run_id,),
        ).fetchone()
    assert vcfs > MAX_MAP_LENGTH, "the night must hold more genomes than Airflow may map"
    assert 1 < mapped[0] <= MAX_MAP_LENGTH, f"genome batches: {mapped[0]}"
    assert mapped[1] == mapped[0], f"batches succeeded: {mapped[1]} of {mapped[0]}"
    assert in_ledger == due
    assert listed == [], "genomes left unprocessed after the night"
    assert vcfs > 0 and tiers > 0
    assert checks == {"raw": True, "genomics": True, "marts": True}
    assert reporting > 0, "the reporting layer was not promoted"

    before = checksums(url)
    _run_night(world, "again")
    after = checksums(url)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"rerunning the night changed: {changed}"
