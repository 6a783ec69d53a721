"""Bad input costs a quarantine row, never a night: strict CSV, PanelApp versions, reasons
that name the real problem, and every entry point reading the landing area the same way.

Hand-made deliveries (tests/support/feedspec.py) with one defect each; real PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.feedspec import APC_COLS, DEATH_COLS, Landing, build_landing
from support.sql import q

from gwh.cli import main as gwh
from loaders.ingest import load_landing
from warehouse import db

KEY = b"bad-input-test-key"
PART = "referrals/EOE/2024-01-15/participants.csv"
PANELS = "panelapp/2024-01-01/panels.json"
MANIFEST = "sequencing/2024-02-01/manifest.csv"


@pytest.fixture
def url(pg_server: db.ServerChoice) -> Iterator[str]:
    with db.scratch_warehouse(pg_server.url, "gwh_tbad") as u:
        yield u


@pytest.fixture
def land(tmp_path: Path) -> Landing:
    return build_landing(tmp_path / "landing")


def row_reasons(url: str, path: str) -> list[tuple[int, str]]:
    return q(
        url,
        "select q.line_number, q.reason from quarantine.rows q join ledger.files f "
        "on f.file_id = q.ledger_file_id where f.path = %s order by 1, 2",
        (path,),
    )


def ledger(url: str, path: str) -> tuple:
    return q(
        url,
        "select status, rows_delivered, rows_loaded, rows_quarantined, rows_excluded, "
        "excluded_reason from ledger.files where path = %s order by file_id",
        (path,),
    )[-1]


def reconciled(url: str) -> bool:
    return not q(
        url,
        "select path from ledger.files "
        "where rows_delivered <> rows_loaded + rows_quarantined + rows_excluded",
    )


def _replace_line(path: Path, line: int, fn) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = fn(lines[line - 1])
    path.write_text("\n".join(lines), encoding="utf-8")


# --- strict CSV (RFC 4180) --------------------------------------------------------------


def test_badly_quoted_records_are_quarantined_alone(url: str, land: Landing) -> None:
    part = land.path(PART)
    # text after a closing quote; a bare quote in an unquoted field; a quote never closed
    _replace_line(part, 2, lambda r: r.replace("Neurology and neurodevelopmental disorders",
                                               '"Neurology"xyz'))  # fmt: skip
    _replace_line(part, 3, lambda r: r.replace("Early onset epilepsy", 'Early "onset'))
    lines = part.read_text(encoding="utf-8").rstrip("\n").split("\n")
    lines[-1] = lines[-1].replace("Breast", '"Breast', 1)  # the last record: open to EOF
    part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_landing(land.root, url, ["referrals"], key=KEY)
    assert report.failed == []
    last = len(lines)
    assert row_reasons(url, PART) == [
        (2, "malformed_csv"), (3, "malformed_csv"), (last, "malformed_csv")
    ]  # fmt: skip
    msgs = [m for (m,) in q(url, "select message from quarantine.rows order by line_number")]
    assert "text after a closing quote" in msgs[0]
    assert "quote inside an unquoted field" in msgs[1]
    assert f"never closed (lines {last}-{last})" in msgs[2]
    # nothing was loaded altered: no value with the text glued to a quoted one
    diseases = [d for (d,) in q(url, "select disease_group from raw.referrals_participants")]
    assert "Neurologyxyz" not in diseases and diseases
    status, delivered, loaded, quarantined, excluded, _ = ledger(url, PART)
    assert status == "loaded" and (delivered, quarantined) == (8, 3)
    assert loaded == 8 - 3 - excluded and reconciled(url)


def test_oversized_csv_field_quarantines_its_row_and_the_rest_loads(
    url: str, land: Landing
) -> None:
    part = land.path(PART)
    big = "x" * 200_000  # over the csv module's 131,072-character field limit
    _replace_line(part, 3, lambda r: r.replace("Early onset epilepsy", big))
    _replace_line(part, 5, lambda r: r.replace("Early onset epilepsy", f'"{big}"'))
    load_landing(land.root, url, ["referrals"], key=KEY)
    assert row_reasons(url, PART) == [(3, "field_too_long"), (5, "field_too_long")]
    status, delivered, loaded, quarantined, excluded, _ = ledger(url, PART)
    assert status == "loaded" and (delivered, quarantined) == (8, 2) and loaded == 6 - excluded
    assert reconciled(url)


def test_oversized_manifest_field_quarantines_its_row_only(url: str, land: Landing) -> None:
    manifest = land.path(MANIFEST)
    _replace_line(manifest, 7, lambda r: r.replace("germline", "g" * 140_000))
    report = load_landing(land.root, url, ["sequencing"], key=KEY)
    assert report.failed == []
    assert row_reasons(url, MANIFEST) == [(7, "field_too_long")]
    assert ledger(url, MANIFEST)[:4] == ("loaded", 6, 5, 1)
    # the five good rows still list their files: two QC files loaded, the genomes pending
    assert q(url, "select count(*) from raw.sequencing_qc") == [(2,)]


def test_malformed_header_is_a_wrong_header(url: str, land: Landing) -> None:
    _replace_line(land.path(PART), 1, lambda r: '"referral_id"x' + r[len("referral_id") :])
    load_landing(land.root, url, ["referrals"], key=KEY)
    got = q(url, "select reason, message from quarantine.files")
    assert [r for r, _ in got] == ["wrong_header"] and "closing quote" in got[0][1]


# --- reasons in a meaningful order -------------------------------------------------------


def test_a_dotted_icd10_code_is_named_as_a_code_problem(url: str, land: Landing) -> None:
    apc = land.path("hes/2024-03/hes_apc.txt")
    diag = APC_COLS.index("DIAG_4_01")

    def dotted(r: str) -> str:
        f = r.split("|")
        f[diag] = "Q90.9"
        return "|".join(f)

    _replace_line(apc, 2, dotted)
    deaths = land.path("mortality/2024-03/deaths.txt")
    cause = DEATH_COLS.index("CAUSE_OF_DEATH")
    _replace_line(deaths, 2, lambda r: "|".join(
        "C50.9" if i == cause else v for i, v in enumerate(r.split("|"))))  # fmt: skip
    load_landing(land.root, url, ["hes", "mortality"], key=KEY)
    assert row_reasons(url, "hes/2024-03/hes_apc.txt") == [(2, "unknown_icd10")]
    assert row_reasons(url, "mortality/2024-03/deaths.txt") == [(2, "unknown_icd10")]
    msgs = [m for (m,) in q(url, "select message from quarantine.rows order by 1")]
    assert all("written with a dot" in m for m in msgs), msgs


# --- PanelApp: versions only grow ---------------------------------------------------------


def _panel(pid: int, version: str, genes: list[str], name: str = "Panel") -> dict:
    return {
        "id": pid,
        "name": name,
        "version": version,
        "relevant_disorders": [name],
        "genes": [
            {
                "gene_symbol": g,
                "hgnc_id": f"HGNC:{k + 1}",
                "confidence_level": "3",
                "mode_of_inheritance": "BIALLELIC",
            }
            for k, g in enumerate(genes)
        ],
    }


def _snapshot(land: Landing, day: str, panels: list[dict]) -> str:
    folder = land.path(f"panelapp/{day}")
    folder.mkdir(parents=True)
    (folder / "panels.json").write_text(json.dumps(panels), encoding="utf-8")
    (folder / "_SUCCESS").write_text("")
    return f"panelapp/{day}/panels.json"


def test_panel_versions_only_grow(url: str, land: Landing) -> None:
    shutil.rmtree(land.path("panelapp/2024-01-01"))
    first = [_panel(1, "1.10", ["SCN1A", "KCNQ2"]), _panel(2, "2.0", ["BRCA1"])]
    _snapshot(land, "2024-01-01", first)
    load_landing(land.root, url, ["panelapp"], key=KEY)
    # the next snapshot: panel 1 unchanged, panel 2 lowered, panel 3 new
    second = _snapshot(land, "2024-01-08", [first[0], _panel(2, "1.9", ["BRCA1"]),
                                            _panel(3, "0.1", ["TP53"])])  # fmt: skip
    # then: panel 1 same version other content; panel 2 raised (10 > 9 as numbers)
    third = _snapshot(land, "2024-01-15", [_panel(1, "1.10", ["SCN1A"]),
                                           _panel(2, "2.10", ["BRCA2"])])  # fmt: skip
    report = load_landing(land.root, url, ["panelapp"], key=KEY)
    assert report.failed == []
    assert row_reasons(url, second) == [(2, "version_not_newer"), (2, "version_not_newer")]
    assert ledger(url, second) == ("loaded", 7, 2, 2, 3, "panel_version_already_loaded")
    assert row_reasons(url, third) == [(1, "version_not_newer"), (1, "version_not_newer")]
    assert ledger(url, third)[:5] == ("loaded", 4, 2, 2, 0)
    got = q(url, "select panel_id, version from raw.panelapp_panels order by 1, 2")
    assert got == [(1, "1.10"), (2, "2.0"), (2, "2.10"), (3, "0.1")]
    msg = q(url, "select message from quarantine.rows where line_number = 2 order by 1")[0][0]
    assert "1.9 is below 2.0" in msg
    assert reconciled(url)


def test_panel_version_parts_fit_the_warehouse(url: str, land: Landing) -> None:
    """Versions are compared as int[] and ids stored as integer: a part over 2**31 - 1
    would stop every later run's comparison; it is refused at the door instead."""
    shutil.rmtree(land.path("panelapp/2024-01-01"))
    path = _snapshot(land, "2024-01-01", [_panel(1, "12345678901.0", ["SCN1A"]),
                                          _panel(2**31, "1.0", ["SCN1A"]),
                                          _panel(3, "1.0", ["SCN1A"])])  # fmt: skip
    report = load_landing(land.root, url, ["panelapp"], key=KEY)
    assert report.failed == []
    assert [r for _, r in row_reasons(url, path)] == ["invalid_format"] * 2 + ["wrong_type"] * 2
    assert q(url, "select panel_id from raw.panelapp_panels") == [(3,)]


# --- one way in: every entry point, the same discovery and readers ------------------------

#: Paths opened or listed while `_WATCH` holds a folder to watch (an audit hook, installed
#: once per process: hooks cannot be removed).
_OPENED: list[str] = []
_WATCH: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if _WATCH and event in ("open", "os.listdir", "os.scandir") and args:
        target = args[0]
        if isinstance(target, str | bytes | Path):
            text = target.decode() if isinstance(target, bytes) else str(target)
            # where it really leads: a link inside the landing area may point out of it
            if os.path.realpath(text).startswith(_WATCH[0]):
                _OPENED.append(f"{event} {text}")


sys.addaudithook(_audit)


def _outside_symlink(land: Landing, tmp: Path) -> str:
    outside = tmp / "outside"
    outside.mkdir()
    shutil.move(land.path("sequencing/2024-02-01"), outside / "2024-02-01")
    land.path("sequencing/2024-02-01").symlink_to(outside / "2024-02-01")
    return "sequencing/2024-02-01: symlink leaves the landing area"


def _not_a_date(land: Landing, tmp: Path) -> str:
    shutil.copytree(land.path("sequencing/2024-02-01"), land.path("sequencing/latest"))
    return "sequencing/latest: folder name is not a delivery date"


def _not_utf8(land: Landing, tmp: Path) -> str:
    manifest = land.path(MANIFEST)
    manifest.write_bytes(manifest.read_bytes().replace(b"germline", b"germ\xefline", 1))
    return ""


def _oversized(land: Landing, tmp: Path) -> str:
    # in the row of the participant who withdraws: the withdrawal must rewrite it
    _replace_line(land.path(MANIFEST), 6, lambda r: r.replace("germline", "g" * 140_000))
    return ""


def _manifest_links_out(land: Landing, tmp: Path) -> str:
    outside = tmp / "outside"
    outside.mkdir()
    shutil.move(land.path(MANIFEST), outside / "manifest.csv")
    land.path(MANIFEST).symlink_to(outside / "manifest.csv")
    return ""


def _participants_link_out(land: Landing, tmp: Path) -> str:
    outside = tmp / "outside"
    outside.mkdir()
    shutil.move(land.path(PART), outside / "participants.csv")
    land.path(PART).symlink_to(outside / "participants.csv")
    return ""


@pytest.mark.parametrize(
    "defect",
    [
        _outside_symlink,
        _manifest_links_out,
        _participants_link_out,
        _not_a_date,
        _not_utf8,
        _oversized,
    ],
)
def test_every_entry_point_survives_a_bad_delivery(
    url: str, land: Landing, tmp_path: Path, capsys, defect
) -> None:
    wd = land.path("withdrawals/2024-03-01/withdrawals.csv")
    wd.write_text(wd.read_text().replace("no_further_contact", "no_further_use"))
    expected = defect(land, tmp_path)
    _WATCH[:] = [str(tmp_path / "outside")]
    _OPENED.clear()
    try:
        codes = [
            gwh(["load", str(land.root), "--url", url]),
            gwh(["variants", "load", str(land.root), "--url", url]),
            gwh(["withdraw", str(land.root), "--url", url]),
            gwh(["load", str(land.root), "--url", url]),  # after the withdrawal's rewrites
        ]
    finally:
        _WATCH.clear()
    out = capsys.readouterr()
    assert codes == [0, 0, 0, 0], out
    assert "Traceback" not in out.out + out.err
    assert _OPENED == []
    if expected:
        assert expected in out.out + out.err
    assert reconciled(url)
    # the withdrawn participant is nowhere in raw, and the rerun brought nothing back
    gone = land.people[2].referral_id
    for table in ("referrals_participants", "sequencing_manifest"):
        assert q(url, f"select count(*) from raw.{table} where referral_id = %s", (gone,)) == [(0,)]
    # every delivery the loaders read holds none of their lines any more, except a file
    # quarantined whole (not UTF-8), which the ledger cannot say holds them
    readable = [
        p
        for p in land.root.rglob("*.csv")
        if p.is_file() and not p.is_symlink() and "latest" not in p.parts
    ]
    left = [p.name for p in readable if gone in p.read_text("utf-8", "replace")]
    assert left == ([] if defect is not _not_utf8 else ["manifest.csv"])
    if defect is _manifest_links_out:
        assert q(url, "select status from ledger.files where path = %s", (MANIFEST,)) == [
            ("refused",)
        ]
    if defect is _participants_link_out:
        assert q(url, "select status from ledger.files where path = %s", (PART,)) == [("refused",)]
