"""Data-quality checkpoints against real simulated warehouses.

Two warehouses per module, each built once: a clean simulation (every critical expectation
must pass through raw, genomics and, after dbt, marts; promotion then happens, and a later
critical failure must leave the promoted reporting tables untouched) and a defective one
(every data-quality defect the simulator planted must make its intended expectation fail,
and the stored result row must say so).
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from support.sql import q

from loaders.genomes import process_delivery
from loaders.ingest import load_landing
from quality import runner as dq
from simulator.simulate import simulate
from warehouse import db
from warehouse.dbt_runner import run_dbt

pytestmark = pytest.mark.e2e

KEY = os.environ["GWH_PSEUDONYM_KEY"]


def _load(url: str, tmp: Path, seed: int, defects: float) -> None:
    """Simulate a programme into `tmp` and load it, genomes included, into `url`."""
    simulate(tmp, participants=40, seed=seed, nights=2, defects=defects, progress=False)
    load_landing(tmp / "landing", url, key=KEY)
    for folder in sorted((tmp / "landing" / "sequencing").iterdir()):
        if (folder / "_SUCCESS").is_file():
            process_delivery(url, tmp / "landing", folder)


@pytest.fixture(scope="module")
def clean(pg_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dq_clean")
    with db.scratch_warehouse(pg_server.url, "gwh_test_dq") as url:
        _load(url, tmp, seed=5, defects=0.0)
        yield url, tmp


@pytest.fixture(scope="module")
def clean_night(clean):
    """One clean night: raw, genomics, dbt, then marts + promotion."""
    url, tmp = clean
    run_id = "clean-night-1"
    docs = tmp / "docs"
    reports = [dq.run_checkpoint(url, s, run_id=run_id, docs_dir=docs) for s in ("raw", "genomics")]
    # seeds, snapshots and models; dbt's own data tests belong to the dbt suite, not here
    run_dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
            url, target_path=tmp / "dbt_target")  # fmt: skip
    marts, promotion = dq.promote_if_clean(url, run_id, docs_dir=docs)
    return url, tmp, run_id, [*reports, marts], promotion


@pytest.fixture(scope="module")
def defective(pg_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dq_defective")
    with db.scratch_warehouse(pg_server.url, "gwh_test_dq") as url:
        _load(url, tmp, seed=11, defects=0.02)
        yield url, tmp


# --- suites as code -------------------------------------------------------------------


def _spec():
    dq.suite_module("raw")  # puts the checkout's expectations/ on the import path
    from quality.expectations import spec

    return spec


def test_gx_query_aliases() -> None:
    gx_query = _spec().gx_query
    assert gx_query("select b.x from {batch} b where b.y > 1") == (
        "select subselect.x from {batch} where subselect.y > 1"
    )
    joined = "select b.x from {batch} b join t on t.k = b.k"
    assert gx_query(joined) == joined
    assert gx_query("select x from {batch} where y") == "select x from {batch} where y"


def test_every_check_tagged_and_unique() -> None:
    spec = _spec()
    CATEGORIES, SEVERITIES = spec.CATEGORIES, spec.SEVERITIES
    raw, genomics, marts = (dq.suite_module(s) for s in dq.STAGES)
    suites = raw.build() + genomics.build() + marts.build({"rpt_x": ["n", "tier"]})
    ids = [c.check_id for s in suites for c in s.checks]
    assert len(ids) == len(set(ids))
    for s in suites:
        for c in s.checks:
            assert c.category in CATEGORIES and c.severity in SEVERITIES
            assert c.expectation.meta["check_id"] == c.check_id
            assert c.expectation.severity.value == c.severity
    cats = Counter(c.category for s in suites for c in s.checks)
    assert set(cats) == set(CATEGORIES)
    with pytest.raises(ValueError, match="category"):
        spec.Check("x", "accuracy", "critical", None)


# --- clean night ----------------------------------------------------------------------


def test_clean_simulation_passes_every_critical(clean_night) -> None:
    url, tmp, run_id, reports, promotion = clean_night
    for r in reports:
        assert r.failed_critical == [], [(o.check_id, o.observed_text()) for o in r.failed_critical]
        assert not [o for o in r.outcomes if o.exception], "a check could not run"
        assert r.docs_index is not None and r.docs_index.exists()
    assert "rpt_recruitment_by_gmc_month" in promotion.tables
    stored = dict(q(url, "select stage, count(*) from dq.validation_results "
                         "where run_id = %s group by 1", (run_id,)))  # fmt: skip
    assert stored == {r.stage: len(r.outcomes) for r in reports}
    runs = q(url, "select stage, success, failed_critical from dq.checkpoint_runs "
                  "where run_id = %s order by stage", (run_id,))  # fmt: skip
    assert runs == [("genomics", True, 0), ("marts", True, 0), ("raw", True, 0)]
    cats = {(c, s) for c, s in q(url, "select distinct category, severity "
                                      "from dq.validation_results")}  # fmt: skip
    spec = _spec()
    assert {c for c, _ in cats} == set(spec.CATEGORIES)
    assert {s for _, s in cats} == set(spec.SEVERITIES)


def test_results_modelled_by_dbt(clean_night) -> None:
    url, tmp, run_id, reports, _ = clean_night
    run_dbt(["run", "--select", "+rpt_dq_checkpoint_summary", "+rpt_dq_open_failures"], url,
            target_path=tmp / "dbt_target")  # fmt: skip
    rows = q(url, "select stage, sum(expectations), sum(failed) filter (where severity = "
                  "'critical') from reporting_build.rpt_dq_checkpoint_summary "
                  "where run_id = %s group by 1 order by 1", (run_id,))  # fmt: skip
    assert rows == sorted((r.stage, len(r.outcomes), 0) for r in reports)
    open_critical = q(url, "select count(*) from reporting_build.rpt_dq_open_failures "
                           "where severity = 'critical'")  # fmt: skip
    assert open_critical == [(0,)]


def test_critical_failure_keeps_previous_reporting(clean_night) -> None:
    """A new build that breaches disclosure control is not promoted; reporting stays."""
    url, tmp, _, _, _ = clean_night
    table = "rpt_recruitment_by_gmc_month"
    before = q(url, f"select * from reporting.{table} order by 1, 2, 3, 4")
    assert before
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute(f"create table reporting_build.{table} as select * from reporting.{table}")
        conn.execute(f"update reporting_build.{table} set participants = 3 "
                     "where ctid = (select min(ctid) from reporting_build.{table})"
                     .replace("{table}", table))  # fmt: skip
    with pytest.raises(dq.CriticalExpectationFailed) as exc:
        dq.promote_if_clean(url, "night-2", docs_dir=tmp / "docs")
    assert "marts.reporting_disclosure.no_count_from_1_to_7" in str(exc.value)
    assert exc.value.report.stage == "marts"
    assert q(url, f"select * from reporting.{table} order by 1, 2, 3, 4") == before
    assert q(url, f"select count(*) from reporting_build.{table} where participants = 3") == [(1,)]
    row = q(url, "select success, severity, category, unexpected_count from "
                 "dq.validation_results where run_id = 'night-2' and expectation = "
                 "'marts.reporting_disclosure.no_count_from_1_to_7'")  # fmt: skip
    assert row == [(False, "critical", "conformance", 1)]
    with psycopg.connect(url) as conn:
        conn.execute(f"drop table reporting_build.{table}")
        conn.commit()


def test_earlier_failed_stage_blocks_promotion(clean_night) -> None:
    url, tmp, _, _, _ = clean_night
    with psycopg.connect(url) as conn:
        conn.execute("create table reporting_build.rpt_probe as select 0 as n")
        conn.execute("insert into dq.checkpoint_runs values ('night-3', 'raw', now(), now(), "
                     "1, 1, 0, false, null)")  # fmt: skip
        conn.commit()
    with pytest.raises(RuntimeError, match="raw"):
        dq.promote_if_clean(url, "night-3", docs_dir=tmp / "docs")
    assert q(url, "select to_regclass('reporting.rpt_probe') is null") == [(True,)]
    with psycopg.connect(url) as conn:
        conn.execute("drop table reporting_build.rpt_probe")
        conn.commit()


def test_cli_summary(clean_night, monkeypatch, capsys) -> None:
    from gwh.cli import main

    url, tmp, _, _, _ = clean_night
    monkeypatch.setenv("WAREHOUSE_URL", url)
    rc = main(["dq", "--suite", "genomics", "--run-id", "cli-1", "--docs-dir", str(tmp / "d")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "genomics:" in out and "no critical failure" in out and "plausibility" in out
    assert q(url, "select count(*) > 0 from dq.validation_results where run_id = 'cli-1'") == [
        (True,)
    ]


# --- planted defects ------------------------------------------------------------------


def _loaded_paths(url: str) -> set[str]:
    return {p for (p,) in q(url, "select path from ledger.files where status = 'loaded'")}


def test_planted_dq_defects_fail_their_expectation(defective) -> None:
    url, tmp = defective
    with (tmp / "ground_truth" / "dq_defects.csv").open(encoding="utf-8") as fh:
        defects = list(csv.DictReader(fh))
    kinds = {d["kind"] for d in defects}
    assert kinds == {"low_coverage", "high_contamination", "sex_swap",
                     "result_before_referral", "hes_redelivery_dropped_rows"}  # fmt: skip
    reports = {s: dq.validate(url, s, run_id="defective-1", docs_dir=tmp / "docs")
               for s in ("raw", "genomics")}  # fmt: skip
    with pytest.raises(dq.CriticalExpectationFailed, match="critical expectation"):
        dq.run_checkpoint(url, "genomics", run_id="defective-2", docs_dir=tmp / "docs")
    loaded = _loaded_paths(url)
    checked = Counter()
    for d in defects:
        if d["path"] not in loaded:
            continue  # its delivery was incomplete or its file quarantined by a loader defect
        stage = d["expectation"].split(".", 1)[0]
        o = reports[stage].outcome(d["expectation"])
        assert not o.success, d
        assert o.exception is None and o.severity == d["severity"]
        sample = str(o.unexpected_sample)
        if d["kind"] == "hes_redelivery_dropped_rows":
            assert o.unexpected_count and "dropped_rows" in sample
        elif d["kind"] == "result_before_referral":
            if not q(url, "select 1 from raw.results_exit_questionnaires e join "
                          "raw.referrals_participants p using (referral_id) "
                          "where e.family_id = %s", (d["key"],)):  # fmt: skip
                continue  # the proband's participants row was quarantined: nothing to compare
            assert d["key"] in sample
        else:
            assert d["key"] in sample, (d, sample)
        stored = q(url, "select success, severity from dq.validation_results "
                        "where run_id = 'defective-1' and expectation = %s",
                   (d["expectation"],))  # fmt: skip
        assert stored == [(False, d["severity"])]
        checked[d["kind"]] += 1
    assert set(checked) == kinds, f"some kinds never reached the warehouse: {checked}"
    # The loader's own defects were quarantined and reconciled: those checks still hold.
    for cid in ("raw.file_reconciliation.delivered_equals_loaded_plus_quarantined",
                "raw.file_reconciliation.quarantine_rows_stored",
                "raw.file_reconciliation.raw_rows_not_above_loaded"):  # fmt: skip
        assert reports["raw"].outcome(cid).success, cid
