"""The block path of `load_delimited` (loaders/ingest/blocks.py) against the record path.

The block path only decides which records are certainly valid; everything else goes to the
record path, which the other loader tests pin down. So on awkward and on randomly damaged
HES and deaths files, both paths must leave exactly the same raw rows, quarantine rows
(line, reason, message, raw text) and ledger counts. Real PostgreSQL only.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import psycopg
import pytest
from support.feedspec import APC_COLS, DEATH_COLS, HES_MONTH, Landing, apc_row, build_landing

from loaders.ingest import blocks, ledger, load_landing, table
from loaders.ingest.validation import icd10_hes
from warehouse import db

KEY = b"block-path-test-key"
FEEDS = ["withdrawals", "referrals", "hes", "mortality"]
RAW = ["hes_apc", "hes_op", "hes_ae", "mortality_deaths"]


@pytest.fixture
def url(pg_server: db.ServerChoice) -> Iterator[str]:
    with db.scratch_warehouse(pg_server.url, "gwh_tblock") as u:
        yield u


def snapshot(url: str) -> dict[str, list]:
    """Everything a load leaves, minus ledger ids (they differ between two loads)."""
    out: dict[str, list] = {}
    with psycopg.connect(url) as conn:
        for t in RAW:
            cols = [
                r[0]
                for r in conn.execute(
                    "select column_name from information_schema.columns where table_schema = "
                    "'raw' and table_name = %s and column_name <> 'ledger_file_id' "
                    "order by ordinal_position",
                    (t,),
                )
            ]
            out[t] = conn.execute(
                f"select {', '.join(cols)} from raw.{t} order by delivery_date, source_line"
            ).fetchall()
        out["quarantine"] = conn.execute(
            "select f.path, q.line_number, q.reason, q.message, q.raw_line from quarantine.rows q "
            "join ledger.files f on f.file_id = q.ledger_file_id order by 1, 2, 3"
        ).fetchall()
        out["files"] = conn.execute(
            "select f.path, f.status, f.rows_delivered, f.rows_loaded, f.rows_quarantined, "
            "f.rows_excluded, q.reason from ledger.files f left join quarantine.files q "
            "on q.ledger_file_id = f.file_id order by 1"
        ).fetchall()
    return out


def reset(url: str) -> None:
    with psycopg.connect(url) as conn:
        raw = [r[0] for r in conn.execute("select tablename from pg_tables where schemaname='raw'")]
        conn.execute(
            "truncate ledger.files, ledger.deliveries, quarantine.rows, quarantine.files, "
            + ", ".join(f"raw.{t}" for t in raw)
            + " cascade"
        )


def load_both(url: str, root: Path, monkeypatch, block_bytes: int) -> tuple[dict, dict]:
    """Load `root` by the block path (blocks of `block_bytes`), then by the record path.
    `load_both.binary` is left holding the tables the block path loaded by binary COPY."""
    used = {"scans": 0, "binary": 0}
    load_both.binary = set()
    scan, binary_writer = blocks.BlockPlan.scan, ledger.FileContext.binary_writer

    def counting_scan(self, data, arrays=None):
        used["scans"] += 1
        return scan(self, data, arrays)

    def counting_writer(self, t, cols):
        used["binary"] += 1
        load_both.binary.add(t)
        return binary_writer(self, t, cols)

    monkeypatch.setattr(blocks.BlockPlan, "scan", counting_scan)
    monkeypatch.setattr(ledger.FileContext, "binary_writer", counting_writer)
    monkeypatch.setattr(blocks, "BLOCK_BYTES", block_bytes)
    got = []
    for block_path in (True, False):
        monkeypatch.setattr(table, "BLOCK_PATH", block_path)
        reset(url)
        load_landing(root, url, FEEDS, key=KEY)
        got.append(snapshot(url))
        if block_path:
            assert used["scans"] > 0 and used["binary"] > 0, used  # the block path did run
    return got[0], got[1]


def _unknown_icd10() -> str:
    codes = icd10_hes()
    return next(
        f"B{n:02d}{d}" for n in range(100) for d in "0123456789" if f"B{n:02d}{d}" not in codes
    )


def awkward_landing(root: Path) -> Landing:
    """A landing area whose HES APC and deaths files hold every kind of record the block
    path must hand over (each line commented), among plenty it must accept."""
    land = build_landing(root, n=8, hes_rows=0)
    wd = land.path("withdrawals/2024-03-01/withdrawals.csv")
    wd.write_text(wd.read_text().replace("no_further_contact", "no_further_use"))
    rng = random.Random(3)
    people = land.people
    ok = [p for i, p in enumerate(people) if i != 2]

    def row(k: int, **change: str) -> list[str]:
        r = apc_row(rng, ok[k % len(ok)], 500000 + k, date(2024, 1, 1) + timedelta(days=k % 60))
        for name, value in change.items():
            r[APC_COLS.index(name)] = value
        return r

    lines: list[str] = []
    for k in range(40):
        lines.append("|".join(row(k)))
    n = people[0].nhs_number
    lines += [
        "|".join(row(100)[:-1]),  # wrong column count
        "",  # empty line
        "|".join(row(101)) + "|",  # one field too many
        "|".join(row(102, EPIKEY='K"102')),  # a quote: valid, loaded by the record path
        "|".join(row(103, PROCODE="R\x00T")),  # embedded NUL
        "|".join(row(104, EPIKEY="É104")),  # non-ASCII: valid, loaded by the record path
        "|".join(row(105)) + "\r",  # CRLF ending (the \n follows)
        "|".join(row(106)[:20]) + "\r" + "|".join(row(106)[20:]),  # lone CR: two records
        "|".join(row(5, EPIKEY="500005")),  # duplicate of a fast record
        "|".join(row(107, EPIORDER="07")),  # valid, rewritten to 7 by the record path
        "|".join(row(108, EPIKEY="500107")),  # duplicate of the slow-but-valid one above
        "|".join(row(109, EPIEND="2023-12-01", DISDATE="")),  # EPIEND before EPISTART
        "|".join(row(110, ADMIDATE="2024-02-30")),  # not a calendar date
        "|".join(row(111, EPIEND="2099-01-01", DISDATE="")),  # after the delivery date
        "|".join(row(112, NEWNHSNO=f"{n[:3]} {n[3:6]} {n[6:]}")),  # spaced NHS number: valid
        "|".join(row(113, NEWNHSNO=n[:9] + str((int(n[9]) + 1) % 10))),  # bad check digit
        "|".join(row(114, NEWNHSNO=people[2].nhs_number)),  # withdrawn participant
        "|".join(row(115, DIAG_4_01=_unknown_icd10())),  # unknown ICD-10 code
        "|".join(row(116, DIAG_4_02="c509")),  # lower case code
        "|".join(row(117, EPIKEY="E" * 33)),  # field too long
        "|".join(row(118, EPIORDER="0")),  # outside 1..99
        "|".join(row(119, EPIORDER="-1")),
        "|".join(row(120, ADMIMETH="99")),  # unknown code
        "|".join(row(121, DISDATE="", EPIEND="")),  # optional dates empty: valid
        "|".join(row(122, SEX="")),  # required field empty
        "|".join(row(123, PROCODE="rgt")),  # custom check (ODS code) fails
        "|".join(row(124, OPERTN_4_01="I011")),  # OPCS-4 has no chapter I
    ]
    lines += ["|".join(row(200 + k)) for k in range(40)]
    lines.append("|".join(row(300)))  # the last line has no line ending
    apc = land.path(f"hes/{HES_MONTH}/hes_apc.txt")
    apc.write_bytes(b"\xef\xbb\xbf" + ("\n".join(["|".join(APC_COLS), *lines])).encode("utf-8"))

    d1, d2 = people[0].nhs_number, people[1].nhs_number
    deaths = [
        [d1, "2024-03-02", "2024-03-09", "C509", "I10X"] + [""] * 14,
        [f"{d1[:3]} {d1[3:6]} {d1[6:]}", "2024-03-02", "2024-03-09", "C509"] + [""] * 15,
        [d2, "2024-03-05", "2024-03-01", "I219"] + [""] * 15,  # registered before death
        [people[3].nhs_number, "2024-03-05", "2024-03-06", "I219"] + [""] * 15,
        [people[3].nhs_number, "2024-03-05", "2024-03-06", "I219"] + [""] * 15,  # duplicate
    ]
    land.path(f"mortality/{HES_MONTH}/deaths.txt").write_text(
        "\n".join("|".join(r) for r in [DEATH_COLS, *deaths]) + "\n", encoding="utf-8"
    )
    return land


@pytest.mark.parametrize("block_bytes", [300, 4 << 20])
def test_block_path_equals_record_path_on_awkward_files(
    url: str, tmp_path: Path, monkeypatch, block_bytes: int
) -> None:
    awkward_landing(tmp_path / "landing")
    by_blocks, by_records = load_both(url, tmp_path / "landing", monkeypatch, block_bytes)
    assert by_blocks == by_records
    reasons = [(line, reason) for path, line, reason, _, _ in by_blocks["quarantine"]
               if path.endswith("hes_apc.txt")]  # fmt: skip
    # The header is line 1 (after the BOM); the 40 good records are lines 2..41.
    expected = {
        42: "wrong_column_count", 43: "wrong_column_count", 44: "wrong_column_count",
        46: "embedded_nul", 49: "wrong_column_count", 50: "wrong_column_count",
        51: "duplicate_key", 53: "duplicate_key", 54: "impossible_date", 55: "invalid_date",
        56: "impossible_date", 58: "invalid_nhs_number", 59: "withdrawn_participant",
        60: "unknown_icd10", 61: "unknown_icd10", 62: "field_too_long", 63: "wrong_type",
        64: "wrong_type", 65: "unknown_code", 67: "missing_required", 68: "invalid_format",
        69: "unknown_code",
    }  # fmt: skip
    assert dict(reasons) == expected
    apc = [f for f in by_blocks["files"] if f[0].endswith("hes_apc.txt")][0]
    assert apc[2:5] == (40 + 28 + 41, 40 + 28 + 41 - len(expected), len(expected))
    loaded = {r[0]: r for r in by_blocks["hes_apc"]}  # source_line, delivery_date, ...
    assert loaded[47][5] == "É104" and loaded[45][5] == 'K"102'  # via the record path
    assert loaded[52][10] == 7  # EPIORDER '07' as the record path loads it
    deaths = [(line, reason) for path, line, reason, _, _ in by_blocks["quarantine"]
              if path.endswith("deaths.txt")]  # fmt: skip
    assert deaths == [(3, "duplicate_key"), (4, "impossible_date"), (6, "duplicate_key")]


def test_block_path_equals_record_path_with_columns_in_another_order(
    url: str, tmp_path: Path, monkeypatch
) -> None:
    """feeds.md leaves the column order free: the block path then names the binary COPY's
    columns in the file's order."""
    awkward_landing(tmp_path / "landing")
    rng = random.Random(9)
    for rel in (f"hes/{HES_MONTH}/hes_apc.txt", f"mortality/{HES_MONTH}/deaths.txt"):
        path = tmp_path / "landing" / rel
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        lines = raw[3 if bom else 0 :].decode("utf-8").split("\n")
        n = len(lines[0].split("|"))
        order = list(range(n))
        rng.shuffle(order)

        def permute(line: str, order: list[int] = order, n: int = n) -> str:
            f = line.split("|")
            return "|".join(f[i] for i in order) if len(f) == n else line

        text = "\n".join(permute(x) for x in lines)
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    by_blocks, by_records = load_both(url, tmp_path / "landing", monkeypatch, 700)
    assert by_blocks == by_records
    assert len(by_blocks["hes_apc"]) > 80 and len(by_blocks["mortality_deaths"]) == 2
    assert {"raw.hes_apc", "raw.mortality_deaths"} <= load_both.binary


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_block_path_equals_record_path_on_damaged_files(
    url: str, tmp_path: Path, monkeypatch, seed: int
) -> None:
    """Random byte damage (delimiters, quotes, CR, LF, NUL, non-ASCII, digits, letters)
    on a valid HES delivery: whatever it does to a record, both paths agree."""
    land = build_landing(tmp_path / "landing", n=8, hes_rows=300, seed=seed)
    rng = random.Random(seed)
    palette = ["|", '"', "\r", "\n", "\x00", "é", "-", " ", "0", "9", "X", "a", "2024-02-30"]
    for name in ("hes_apc.txt", "hes_op.txt", "hes_ae.txt"):
        path = land.path(f"hes/{HES_MONTH}/{name}")
        text = path.read_text(encoding="utf-8")
        head, body = text.split("\n", 1)
        chars = list(body)
        for _ in range(max(1, len(chars) // 400)):
            at = rng.randrange(len(chars))
            op = rng.random()
            if op < 0.4:
                chars[at] = rng.choice(palette)
            elif op < 0.7:
                chars.insert(at, rng.choice(palette))
            else:
                del chars[at]
        path.write_text(head + "\n" + "".join(chars), encoding="utf-8")
    # keys repeated across blocks and inside them
    apc = land.path(f"hes/{HES_MONTH}/hes_apc.txt")
    lines = apc.read_text(encoding="utf-8").split("\n")
    lines += [lines[rng.randrange(1, len(lines) - 1)] for _ in range(10)]
    apc.write_text("\n".join(lines), encoding="utf-8")
    by_blocks, by_records = load_both(url, land.root, monkeypatch, rng.choice([257, 1000, 5000]))
    assert by_blocks == by_records
    assert by_blocks["quarantine"], "the damage should have quarantined something"


def test_block_path_quarantines_a_file_that_is_not_utf8(
    url: str, tmp_path: Path, monkeypatch
) -> None:
    land = build_landing(tmp_path / "landing", n=8, hes_rows=200)
    apc = land.path(f"hes/{HES_MONTH}/hes_apc.txt")
    data = apc.read_bytes().split(b"\n")
    data[150] = data[150].replace(b"RGT", b"R\xffT")
    apc.write_bytes(b"\n".join(data))
    by_blocks, by_records = load_both(url, land.root, monkeypatch, 1000)
    assert by_blocks == by_records
    file = [f for f in by_blocks["files"] if f[0].endswith("hes_apc.txt")][0]
    assert file[1] == "quarantined" and file[6] == "not_utf8"
    assert not by_blocks["hes_apc"]


def test_pg_days_is_postgres_date_numbering() -> None:
    """The binary COPY date: days since 2000-01-01, for every day the loaders accept."""
    day, epoch = date(1900, 1, 1), date(2000, 1, 1)
    while day < date(2101, 1, 1):
        ymd = day.year * 10000 + day.month * 100 + day.day
        assert blocks._pg_days(ymd) == (day - epoch).days, day
        day += timedelta(days=1)


def test_kernel_integer_limits() -> None:
    def fits(text: str, width: int) -> bool:
        b = np.frombuffer(text.encode(), dtype=np.uint8)
        return bool(blocks._fits_int(b, 0, len(b), width))

    assert fits("32767", 2) and not fits("32768", 2) and fits("-32768", 2)
    assert fits("2147483647", 4) and not fits("2147483648", 4)
    assert not fits("-", 2) and not fits("1a", 4) and not fits("", 8)


def test_awkward_landing_is_as_described(tmp_path: Path) -> None:
    """awkward_landing writes exactly what its comments say (a guard on the fixture)."""
    land = awkward_landing(tmp_path / "landing")
    raw = land.path(f"hes/{HES_MONTH}/hes_apc.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.endswith(b"\n")
    assert raw.count(b"\r\n") == 1 and raw.count(b"\r") == 2
    shutil.rmtree(tmp_path / "landing")


@pytest.mark.parametrize("content", ["header\n", "header", "\ufeffheader\r\n", ""])
def test_block_path_equals_record_path_on_files_without_records(
    url: str, tmp_path: Path, monkeypatch, content: str
) -> None:
    """A header alone (with or without its line ending, after a BOM), or nothing at all."""
    land = build_landing(tmp_path / "landing", n=8, hes_rows=5)
    text = content.replace("header", "|".join(APC_COLS))
    land.path(f"hes/{HES_MONTH}/hes_apc.txt").write_bytes(text.encode("utf-8"))
    by_blocks, by_records = load_both(url, land.root, monkeypatch, 1000)
    assert by_blocks == by_records
    apc = [f for f in by_blocks["files"] if f[0].endswith("hes_apc.txt")][0]
    assert apc[1:4] == (("quarantined", 0, 0) if not content else ("loaded", 0, 0))
