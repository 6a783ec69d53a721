"""The loaders against the programme simulator (`gwh simulate`), small N.

A clean programme must load with zero quarantined rows: this is also the conformance check
of the simulator against feeds.md/domain.md, written from the spec independently of the
generator. With --defects, every planted defect (ground_truth/defects.csv) must land in
quarantine with its expected reason and line, and nothing else may.
"""

from __future__ import annotations

import csv
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from test_load_core import KEY, RAW_TABLES, assert_reconciled, q

from loaders.genomes import pending_genomes, process_genomes
from loaders.ingest import load_landing
from simulator.simulate import simulate
from warehouse import db

PARTICIPANTS, NIGHTS, SEED = 40, 2, 3


#: File reasons decided by reading VCF content: variants owns them, not these loaders.
def _load(tmp_path_factory, pg_server: db.ServerChoice, rate: float, caplog_text: list):
    out = tmp_path_factory.mktemp(f"sim{rate}")
    simulate(out, PARTICIPANTS, SEED, nights=NIGHTS, defects=rate, progress=False)
    url = db.with_database(pg_server.url, f"gwh_tsim_{os.getpid()}_{secrets.token_hex(3)}")
    db.ensure_database(url)
    db.init_db(url)
    handler = logging.Handler()
    records: list[str] = []
    handler.emit = lambda r: records.append(r.getMessage())  # type: ignore[method-assign]
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.DEBUG)
    try:
        report = load_landing(out / "landing", url, key=KEY)
        # the night's genome step: every genome a loaded manifest names, each checked
        # against its manifest checksum and summarised in one read
        with psycopg.connect(url) as conn:
            pending = pending_genomes(conn)
        process_genomes(url, out / "landing", pending)
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
    caplog_text.extend(records)
    return out, url, report


@pytest.fixture(scope="module")
def clean(tmp_path_factory, pg_server) -> Iterator[tuple]:
    logs: list[str] = []
    out, url, report = _load(tmp_path_factory, pg_server, 0.0, logs)
    yield out, url, report, logs
    db.drop_database(url)


@pytest.fixture(scope="module")
def defective(tmp_path_factory, pg_server) -> Iterator[tuple]:
    logs: list[str] = []
    out, url, report = _load(tmp_path_factory, pg_server, 0.04, logs)
    yield out, url, report, logs
    db.drop_database(url)


def _identifiers(out: Path) -> list[dict[str, str]]:
    with (out / "ground_truth" / "identifiers.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _assert_no_identifiers(url: str, out: Path, logs: list[str]) -> None:
    """No NHS number (either spelling) anywhere in raw, ledger, quarantine messages or logs;
    no participant's raw row carries their date of birth (a bare date elsewhere, e.g. a
    newborn's admission, is not an identifier)."""
    ids = _identifiers(out)
    dump = []
    for t in RAW_TABLES:
        dump += [r for (r,) in q(url, f"select t::text from raw.{t} t")]
    dump += [r for (r,) in q(url, "select f::text from ledger.files f")]
    dump += [r for (r,) in q(url, "select message from quarantine.rows")]
    dump += [r for (r,) in q(url, "select message from quarantine.files")]
    text = "\n".join(dump + logs)
    leaked = []
    for r in ids:
        n = r["nhs_number"].replace(" ", "")
        leaked += [x for x in (n, f"{n[:3]} {n[3:6]} {n[6:]}") if x in text]
    assert leaked == [], f"{len(leaked)} NHS numbers leaked"
    dob = {r["referral_id"]: r["date_of_birth"] for r in ids}
    rows = q(url, "select referral_id, t::text from raw.referrals_participants t")
    assert [rid for rid, row in rows if dob.get(rid, "?") in row] == []
    logged = "\n".join(logs)
    assert [rid for rid, d in dob.items() if f"{rid}" in logged and d in logged] == []
    cols = {c for (c,) in q(url, "select column_name from information_schema.columns "
                                 "where table_schema = 'raw'")}  # fmt: skip
    assert not cols & {"nhs_number", "newnhsno", "date_of_birth", "dob"}


def test_clean_programme_loads_without_quarantine(clean) -> None:
    out, url, report, logs = clean
    assert report.failed == [] and report.incomplete_deliveries == 0
    assert report.warnings == []
    reasons = q(url, "select reason, min(message), count(*) from quarantine.rows group by 1")
    assert reasons == [], f"clean simulation broke the spec: {reasons}"
    assert q(url, "select count(*) from quarantine.files") == [(0,)]
    statuses = {s for (s,) in q(url, "select distinct status from ledger.files")}
    assert statuses <= {"loaded", "duplicate"}
    for t in ("referrals_participants", "hes_apc", "sequencing_manifest", "panelapp_genes"):
        assert q(url, f"select count(*) from raw.{t}")[0][0] > 0, t
    assert_reconciled(url)
    _assert_no_identifiers(url, out, logs)
    again = load_landing(out / "landing", url, key=KEY)
    assert again.nothing_loaded


def test_planted_defects_quarantined_with_expected_reason(defective) -> None:
    out, url, report, logs = defective
    assert report.failed == []
    with (out / "ground_truth" / "defects.csv").open(encoding="utf-8") as fh:
        defects = list(csv.DictReader(fh))
    assert defects, "the simulator planted nothing at this rate"
    rows = {
        (p, ln): r
        for p, ln, r in q(
            url,
            "select f.path, q.line_number, q.reason from quarantine.rows q "
            "join ledger.files f on f.file_id = q.ledger_file_id",
        )  # fmt: skip
    }
    files = dict(q(url, "select f.path, q.reason from quarantine.files q join ledger.files f "
                        "on f.file_id = q.ledger_file_id"))  # fmt: skip
    delivered = {p for (p,) in q(url, "select path from ledger.deliveries")}
    expected_rows = set()
    problems = []
    waiting = {d["path"] + "/" for d in defects if d["kind"] == "missing_success"}
    for d in defects:
        path, reason = d["path"], d["expected_reason"]
        if d["kind"] == "missing_success":
            if path in delivered:
                problems.append(f"{path}: read without _SUCCESS")
        elif any(path.startswith(w) for w in waiting):
            continue  # inside a delivery still being written: not read at all
        elif not d["line"]:
            if files.get(path) != reason:
                problems.append(f"{path}: file reason {files.get(path)} != {reason}")
        elif path in files:
            continue  # the whole file was quarantined by another defect
        else:
            key = (path, int(d["line"]))
            if reason == "":  # legal data (e.g. formula-looking text): must load
                if key in rows:
                    problems.append(f"{key}: legal {d['kind']} quarantined as {rows[key]}")
                continue
            expected_rows.add(key)
            if rows.get(key) != reason:
                problems.append(f"{key} {d['kind']}: got {rows.get(key)}, want {reason}")
    unexpected = {k: v for k, v in rows.items() if k not in expected_rows}
    assert problems == []
    assert unexpected == {}, f"quarantined without a planted defect: {unexpected}"
    assert_reconciled(url)
    _assert_no_identifiers(url, out, logs)
