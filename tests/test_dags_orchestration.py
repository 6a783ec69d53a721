"""The plain-Python steps the DAG tasks call (orchestration.tasks), on a real PostgreSQL.

A small simulated programme (2 nights) is loaded night by night through the same functions
the nightly DAG's tasks call, without Airflow: the night boundary, the mapped genome list,
idempotence, the promotion guard and the reanalysis lists.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from support.warehouse_build import table_digests

import orchestration as orch
import orchestration.tasks
from loaders.ingest import discover
from simulator.simulate import simulate
from warehouse import db

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def programme(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("orch") / "sim"
    simulate(out, participants=40, seed=23, nights=2, progress=False)
    return out


@pytest.fixture(scope="module")
def nights(programme) -> list[str]:
    import json

    return json.loads((programme / "ground_truth" / "cohort.json").read_text())["nights"]


@pytest.fixture(scope="module")
def url(pg_server) -> Iterator[str]:
    """A database of this module's own: these tests load a whole programme into it."""
    with db.scratch_warehouse(pg_server.url, "gwh_test_orch") as u:
        yield u


def test_due_by_counts_monthly_folders_from_the_first_of_their_month(programme, nights):
    deliveries, _ = discover(programme / "landing")
    first = date.fromisoformat(nights[0])
    due = {d.rel_path for d in deliveries if orch.due_by(d, first)}
    assert f"hes/{nights[0][:7]}" in due  # dated 31 May by the ledger, delivered 6 May
    assert f"hes/{nights[1][:7]}" not in due
    daily = [d for d in deliveries if d.rel_path in due and d.feed not in orch.MONTHLY_FEEDS]
    assert daily and all(d.delivery_date <= first for d in daily)
    assert any(not orch.due_by(d, first) for d in deliveries)


def test_sensor_waits_for_every_due_folder_to_be_complete(programme, nights, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(programme / "landing", landing)
    ready = orch.check_deliveries(landing, nights[0])
    assert ready.ready and ready.complete > 0 and not ready.incomplete
    (landing / "sequencing" / nights[0] / "_SUCCESS").unlink()
    waiting = orch.check_deliveries(landing, nights[0])
    assert not waiting.ready
    assert waiting.incomplete == [f"sequencing/{nights[0]}"]
    # a folder of a later night still being written does not hold up this night
    (landing / "sequencing" / nights[0] / "_SUCCESS").write_text("")
    later = next(p for p in (landing / "hes").iterdir() if p.name == nights[1][:7])
    (later / "_SUCCESS").unlink()
    assert orch.check_deliveries(landing, nights[0]).ready
    assert not orch.check_deliveries(landing, nights[1]).ready
    # nothing due at all: not ready
    assert not orch.check_deliveries(landing, "2020-01-01").ready
    assert not orch.check_deliveries(tmp_path / "absent", nights[0]).ready


def _ledger_paths(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("select path from ledger.deliveries")}


def test_nights_load_in_order_and_genomes_are_mapped_once(url, programme, nights):
    landing = programme / "landing"
    first = orch.load_night(landing, url, nights[0])
    assert first["night"] == nights[0]
    loaded = _ledger_paths(url)
    deliveries, _ = discover(landing)
    due = {d.rel_path for d in deliveries if orch.due_by(d, date.fromisoformat(nights[0]))}
    assert loaded == due, "the ledger does not hold exactly the first night's deliveries"
    genomes = orch.night_genomes(landing, url, nights[0])
    with (landing / "sequencing" / nights[0] / "manifest.csv").open(newline="") as fh:
        listed = {r["file_name"] for r in csv.DictReader(fh) if r["file_type"] == "vcf"}
    assert {g["file_name"] for g in genomes} == listed
    results = [orch.process_night_genome(landing, url, g) for g in genomes]
    assert {r["status"] for r in results} == {"loaded"}
    summary = orch.summarise_genomes(results)
    assert summary["genomes"] == len(listed) and summary["status"] == {"loaded": len(listed)}
    # a rerun of the night maps nothing and loads nothing new
    assert orch.night_genomes(landing, url, nights[0]) == []
    again = orch.load_night(landing, url, nights[0])
    assert all(f["status"] in ("already_loaded", "duplicate") for f in again["files"]), (
        "a rerun of the night loaded a file twice"
    )
    # the next night picks up only its own deliveries
    orch.load_night(landing, url, nights[1])
    assert _ledger_paths(url) > loaded


def test_withdrawals_apply_once(url, programme, nights):
    landing = programme / "landing"
    orch.load_night(landing, url, nights[-1])
    first = orch.withdrawals(url, landing)
    second = orch.withdrawals(url, landing)
    assert second["applied"] == 0
    assert second["already_applied"] == first["applied"] + first["already_applied"]


def test_promotion_refuses_a_night_without_passed_checks(url):
    with pytest.raises(RuntimeError, match="reporting is not promoted"):
        orch.promote(url, "no-such-run")
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into dq.checkpoint_runs (run_id, stage, started_at, finished_at, "
            "expectations, failed_critical, failed_warning, success) "
            "values ('failed-run', 'marts', now(), now(), 1, 1, 0, false)"
        )
        conn.commit()
    with pytest.raises(RuntimeError, match="marts failed"):
        orch.promote(url, "failed-run")


def test_reanalysis_publishes_per_gmc_lists(url, programme, nights, tmp_path):
    result = orch.reanalyse(url, tmp_path)
    folder = Path(result["published"])
    assert folder.parent == tmp_path / "reanalysis"
    assert result["panel_delivery"] == max(
        p.name for p in (programme / "landing" / "panelapp").iterdir()
    )
    with (folder / "all.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == result["newly_tier_1_2"]
    assert all(r["tier"] in ("1", "2") for r in rows)
    per_gmc = sum(
        sum(1 for _ in csv.DictReader(p.open(newline="")))
        for p in folder.glob("*.csv")
        if p.name != "all.csv"
    )
    assert per_gmc == len(rows)
    # nothing new against the same panels: the rerun publishes an empty list
    assert orch.reanalyse(url, tmp_path)["newly_tier_1_2"] == 0


def test_dbt_env_is_resolved_at_run_time(url, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", url)
    orchestration.tasks._DBT_ENV_CACHE.clear()
    assert orch.dbt_env_value("GWH_DB_NAME") == db.database_name(url)
    assert orch.dbt_env_value("GWH_DB_HOST")


def _night_steps(landing: Path, url: str, night: str, outbox: Path) -> None:
    """What gwh_nightly (and the reanalysis its panel Asset triggers) does before dbt."""
    orch.load_night(landing, url, night)
    for genome in orch.night_genomes(landing, url, night):
        orch.process_night_genome(landing, url, genome)
    orch.withdrawals(url, landing)
    if (landing / "panelapp" / night / "_SUCCESS").is_file():
        orch.reanalyse(url, outbox)


def _content(url: str) -> dict[str, str]:
    """Per raw/quarantine table: row count and md5 of its rows, without the surrogate keys
    and timestamps that depend on when, not what, was loaded."""
    skip = frozenset({"ledger_file_id", "file_id", "delivery_id", "quarantine_id", "row_id"})
    return table_digests(url, ("raw", "quarantine"), skip_columns=skip)


def test_a_backfilled_night_gives_the_same_warehouse_as_on_time(
    pg_server, programme, nights, tmp_path
):
    """On time: each night runs when only its deliveries (and earlier ones) have arrived.
    Backfill: both nights run late, after every delivery has arrived. Same raw layer."""
    urls = []
    try:
        for mode in ("on_time", "backfill"):
            u = db.with_database(pg_server.url, f"gwh_test_bf_{os.getpid()}_{secrets.token_hex(3)}")
            urls.append(u)
            db.ensure_database(u)
            db.init_db(u)
            landing = tmp_path / mode / "landing"
            shutil.copytree(programme / "landing", landing)
            if mode == "on_time":
                later = [
                    d
                    for d in discover(landing)[0]
                    if not orch.due_by(d, date.fromisoformat(nights[0]))
                ]
                aside = tmp_path / mode / "not_yet"
                for d in later:
                    (aside / d.rel_path).parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(d.abs_path, aside / d.rel_path)
                _night_steps(landing, u, nights[0], tmp_path / mode / "outbox")
                for d in later:
                    shutil.move(aside / d.rel_path, d.abs_path)
                _night_steps(landing, u, nights[1], tmp_path / mode / "outbox")
            else:
                for night in nights:
                    _night_steps(landing, u, night, tmp_path / mode / "outbox")
        on_time, backfill = (_content(u) for u in urls)
        assert on_time["raw.variant_tiers"].split(":")[0] != "0"
        changed = sorted(k for k in on_time if on_time[k] != backfill.get(k))
        assert not changed, f"backfill differs from on-time in {changed}"
    finally:
        for u in urls:
            db.drop_database(u)


def test_night_of_a_run_is_its_logical_date_or_when_it_was_triggered():
    from datetime import UTC, datetime
    from types import SimpleNamespace

    logical = SimpleNamespace(logical_date=datetime(2025, 6, 3, tzinfo=UTC), run_after=None)
    manual = SimpleNamespace(logical_date=None, run_after=datetime(2025, 7, 1, 2, tzinfo=UTC))
    assert orch.night_of(logical) == date(2025, 6, 3)
    assert orch.night_of(manual) == date(2025, 7, 1)
    with pytest.raises(ValueError):
        orch.night_of(SimpleNamespace(logical_date=None, run_after=None))


def test_genomes_are_batched_within_airflows_cap() -> None:
    genomes = [
        {"delivery": "sequencing/2025-05-06", "file_name": f"F{i}.vcf.gz"} for i in range(50)
    ]
    for cap in (1, 4, 7, 1024):
        batches = orch.batch_genomes(genomes, cap, per_batch=1)
        assert len(batches) <= cap
        assert [g for b in batches for g in b] == genomes, "every genome once, in order"
    # a small night still spreads over the workers, in batches of at least the floor
    assert [len(b) for b in orch.batch_genomes(genomes[:10], 1024, per_batch=4)] == [4, 4, 2]
    assert orch.batch_genomes([], 4) == []
    with pytest.raises(ValueError):
        orch.batch_genomes(genomes, 0)


def test_batch_summaries_fold_like_genome_outcomes() -> None:
    one = {"status": "loaded", "tiers": {"1": 2, "3": 1}}
    two = {"status": "quarantined", "tiers": {}}
    batch = orch.summarise_genomes([one, two])
    assert batch == {"genomes": 2, "status": {"loaded": 1, "quarantined": 1},
                     "tiers": {"tier_1": 2, "tier_3": 1}}  # fmt: skip
    night = orch.summarise_genomes([batch, orch.summarise_genomes([one])])
    assert night == {"genomes": 3, "status": {"loaded": 2, "quarantined": 1},
                     "tiers": {"tier_1": 4, "tier_3": 2}}  # fmt: skip
