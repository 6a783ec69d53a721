"""The demo's own logic: the Airflow environment it hands to `airflow dags test`, and the
comparison of the warehouse with the simulator's ground truth (the demo's verdict).

The full demo (Airflow, dbt, several nights) takes minutes and is measured by `make demo`;
here the warehouse is filled through the same orchestration.tasks steps the DAG's tasks
call, so the checks are exercised on a real warehouse, including a deliberate mismatch.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import orchestration as orch
from demo import run as demo
from simulator.simulate import simulate
from warehouse import db

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo"
    simulate(out, participants=40, seed=5, nights=2, progress=False)
    return out


@pytest.fixture(scope="module")
def loaded(pg_server, demo_dir, tmp_path_factory) -> Iterator[str]:
    url = db.with_database(pg_server.url, f"gwh_test_demo_{os.getpid()}_{secrets.token_hex(3)}")
    db.ensure_database(url)
    db.init_db(url)
    landing = demo_dir / "landing"
    outbox = tmp_path_factory.mktemp("outbox")
    import json

    nights = json.loads((demo_dir / "ground_truth" / "cohort.json").read_text())["nights"]
    try:
        for night in nights:
            orch.load_night(landing, url, night)
            for g in orch.night_genomes(landing, url, night):
                orch.process_night_genome(landing, url, g)
            orch.withdrawals(url, landing)
            orch.reanalyse(url, outbox)
        yield url
    finally:
        db.drop_database(url)


def test_airflow_env_isolates_airflow_and_points_at_the_demo(tmp_path) -> None:
    env = demo.airflow_env(
        tmp_path / "af", "postgresql://postgres@127.0.0.1:5432/x", tmp_path / "l", tmp_path / "o"
    )
    assert env["AIRFLOW_HOME"] == str(tmp_path / "af")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert Path(env["AIRFLOW__CORE__DAGS_FOLDER"]).name == "dags"
    assert env["WAREHOUSE_URL"].endswith("/x")
    assert env["GWH_LANDING"] == str(tmp_path / "l")
    assert env["GWH_DEMO_KEY"] == "1" and env["GWH_TASK_RETRIES"] == "0"
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"


def test_panel_nights_are_the_complete_panelapp_deliveries(demo_dir, tmp_path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(demo_dir / "landing" / "panelapp", landing / "panelapp")
    nights = demo.panel_nights(landing)
    assert nights == {p.name for p in (landing / "panelapp").iterdir()}
    first = sorted(nights)[0]
    (landing / "panelapp" / first / "_SUCCESS").unlink()
    assert first not in demo.panel_nights(landing)


def test_the_warehouse_matches_the_ground_truth(loaded, demo_dir) -> None:
    checks = demo.ground_truth_checks(loaded, demo_dir)
    assert checks, "no figure was compared"
    wrong = [(c.what, c.warehouse, c.truth) for c in checks if not c.ok]
    assert not wrong
    names = " ".join(c.what for c in checks)
    assert "planted variants" in names and "VCF files" in names and "HES rows" in names
    planted = next(c for c in checks if c.what.startswith("planted"))
    assert planted.truth > 0


def test_a_lost_tier_row_is_reported_as_a_mismatch(loaded, demo_dir) -> None:
    import csv

    with (demo_dir / "ground_truth" / "planted_variants.csv").open(newline="") as fh:
        withdrawn = demo.withdrawn_no_further_use(demo_dir / "landing")
        row = next(r for r in csv.DictReader(fh) if r["proband_referral_id"] not in withdrawn)
    with psycopg.connect(loaded) as conn:
        conn.execute(
            "create temporary table keep as select * from raw.variant_tiers "
            "where family_id = %s and pos = %s",
            (row["family_id"], int(row["pos"])),
        )
        conn.execute(
            "delete from raw.variant_tiers where family_id = %s and pos = %s",
            (row["family_id"], int(row["pos"])),
        )
        conn.commit()
        try:
            checks = demo.ground_truth_checks(loaded, demo_dir)
            planted = next(c for c in checks if c.what.startswith("planted"))
            assert not planted.ok and planted.warehouse == planted.truth - 1
        finally:
            conn.execute("insert into raw.variant_tiers select * from keep")
            conn.commit()
    assert all(c.ok for c in demo.ground_truth_checks(loaded, demo_dir))
