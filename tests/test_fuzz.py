"""Property-based fuzzing (Hypothesis) of every reader of delivered bytes.

Two kinds of properties:

- the readers alone (CSV, pipe, JSON, VCF header): whatever the bytes, they return records
  or raise the one exception that carries a quarantine reason (FileError / VcfError), and a
  CSV file's records, put back together, are the file;
- the loader end to end on a real warehouse (participants CSV, HES pipe file, sequencing
  manifest and QC JSON, PanelApp snapshot, genome VCF): whatever a delivered file holds,
  `load_landing` returns, no file ends `failed` (a failure is never the input's fault), and
  every file reconciles: delivered = loaded + quarantined + excluded.

Inputs are built from a valid file of each feed, then damaged: values drawn from a set of
troublesome texts (quotes, delimiters, line breaks, NUL, non-ASCII, very long values,
dotted codes...) and arbitrary byte edits. `make test` runs a short pass of each
(a fixed set of examples per property); `make fuzz` a long, randomised one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import count
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.feedspec import AE_COLS, PARTICIPANT_COLS, build_landing

from formats.bgzf import BgzfWriter
from formats.vcf import VcfError, VcfReader
from loaders.feeds.jsonfile import read_json
from loaders.genomes import pending_genomes, process_genomes
from loaders.ingest import FileError, load_landing
from loaders.ingest.parsing import csv_records, pipe_records
from warehouse import db

#: Examples per property: a short, fixed pass by default (`make test`); `make fuzz` sets
#: FUZZ_EXAMPLES for a long, randomised one. The end-to-end properties cost a load each.
LONG = "FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not LONG,  # the short pass is the same every run; `make fuzz` explores
)
FUZZ_DB = settings(FUZZ, max_examples=EXAMPLES if LONG else 6)
KEY = b"fuzz-test-key"

#: Texts that have broken delimited readers somewhere.
NASTY = [
    "",
    '"',
    '""',
    '"quoted"',
    '"Neurology"xyz',
    'ab"c',
    ",",
    "|",
    "\n",
    "\r",
    "\r\n",
    "\x00",
    "\t",
    " ",
    "é",
    "\u2028",
    "\ufeff",
    "Q90.9",
    "9" * 12,
    "x" * 300,
    "-1",
    "2024-02-30",
    "1899-12-31",
    "HP:0000001",
    "RR1000000",
    "=cmd|' /C calc'!A0",
    "\\",
    "\\N",
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))


def _damage(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply (position, delete count, insertion) byte edits: arbitrary bytes near real ones."""
    for pos, cut, insert in edits:
        at = pos % (len(data) + 1)
        data = data[:at] + insert + data[at + cut :]
    return data


edits = st.lists(
    st.tuples(st.integers(0, 1 << 20), st.integers(0, 8), st.binary(max_size=8)), max_size=4
)


# --- the readers alone ------------------------------------------------------------------


def _tmp(data: bytes, name: str = "f") -> Path:
    fd, name = tempfile.mkstemp(suffix=name)
    os.write(fd, data)
    os.close(fd)
    return Path(name)


@FUZZ
@given(st.lists(st.lists(text, max_size=6), max_size=8), edits, st.sampled_from(["\n", "\r\n"]))
def test_csv_reader_reads_anything_back_into_itself(rows, damage, eol) -> None:
    data = _damage(eol.join(",".join(r) for r in rows).encode(), damage)
    path = _tmp(data, ".csv")
    try:
        records = list(csv_records(path))
    except FileError as exc:
        assert exc.reason == "not_utf8"
        return
    finally:
        path.unlink()
    lines = [r[0] for r in records]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)

    # the records are the delivered text: nothing altered, nothing lost between records
    def bare(t: str) -> str:
        return t.replace("\r", "").replace("\n", "")

    assert bare("".join(r[1] for r in records)) == bare(data.decode("utf-8-sig"))
    for _, raw, fields, _, error in records:
        if error is None and '"' not in raw:
            assert fields == (raw.split(",") if raw else [])


@FUZZ
@given(st.lists(st.lists(text, max_size=6), max_size=8), edits)
def test_pipe_reader_never_raises_but_not_utf8(rows, damage) -> None:
    data = _damage("\n".join("|".join(r) for r in rows).encode(), damage)
    path = _tmp(data, ".txt")
    try:
        records = list(pipe_records(path))
        assert all(r[4] is None for r in records)
    except FileError as exc:
        assert exc.reason == "not_utf8"
    finally:
        path.unlink()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)


@FUZZ
@given(json_values, edits)
def test_json_reader_raises_only_file_errors(doc, damage) -> None:
    path = _tmp(_damage(json.dumps(doc).encode(), damage), ".json")
    try:
        read_json(path)
    except FileError as exc:
        assert exc.reason in ("not_utf8", "bad_format")
    finally:
        path.unlink()


VCF_HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=248956422>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tLP3000100-DNA_A01\n"
    "chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n"
)


def _bgzf(data: bytes) -> bytes:
    path = _tmp(b"", ".vcf.gz")
    with BgzfWriter(path) as w:
        w.write(data)
    out = path.read_bytes()
    path.unlink()
    return out


@FUZZ
@given(edits, st.sampled_from(["plain", "gzip", "bgzf"]), st.booleans())
def test_vcf_header_reader_raises_only_vcf_errors(damage, packing, damage_packed) -> None:
    data = VCF_HEADER.encode()
    if not damage_packed:
        data = _damage(data, damage)
    if packing == "gzip":
        data = gzip.compress(data)
    elif packing == "bgzf":
        data = _bgzf(data)
    if damage_packed:
        data = _damage(data, damage)
    path = _tmp(data, ".vcf.gz" if packing != "plain" else ".vcf")
    try:
        reader = VcfReader(path)
        reader.check_index()
        assert isinstance(reader.samples, list)
    except VcfError:
        pass
    finally:
        path.unlink()


# --- the loader end to end ---------------------------------------------------------------


class FuzzArea:
    """A landing area that receives one new delivery per example, loaded at once."""

    def __init__(self, root: Path, template: Path, url: str) -> None:
        self.root, self.template, self.url = root, template, url
        self.n = count()
        self.unique = count()

    def read(self, rel: str) -> bytes:
        return (self.template / rel).read_bytes()

    def deliver(self, feed: str, files: dict[str, bytes], monthly: bool = False) -> str:
        k = next(self.n)
        if monthly:
            y, m = divmod(2025 * 12 + k, 12)
            name = f"{y:04d}-{m + 1:02d}"
        else:
            name = (date(2025, 1, 1) + timedelta(days=k)).isoformat()
        folder = self.root / feed / name
        folder.mkdir(parents=True)
        for file_name, data in files.items():
            (folder / file_name).write_bytes(data)
        (folder / "_SUCCESS").write_bytes(b"")
        return folder.relative_to(self.root).as_posix()

    def load(self, feed: str, rel: str) -> None:
        """Load the new delivery; no failure, every file reconciled."""
        report = load_landing(self.root, self.url, [feed], key=KEY)
        assert report.failed == [], [f.message for f in report.failed]
        with psycopg.connect(self.url) as conn:
            bad = conn.execute(
                "select f.path, f.status, f.rows_delivered, f.rows_loaded, "
                "f.rows_quarantined, f.rows_excluded from ledger.files f "
                "join ledger.deliveries d on d.delivery_id = f.delivery_id "
                "where d.path = %s and (f.status = 'failed' or f.rows_delivered <> "
                "f.rows_loaded + f.rows_quarantined + f.rows_excluded)",
                (rel,),
            ).fetchall()
            assert bad == []
            quarantined = conn.execute(
                "select f.rows_quarantined, (select count(*) from quarantine.rows q "
                "where q.ledger_file_id = f.file_id) from ledger.files f "
                "join ledger.deliveries d on d.delivery_id = f.delivery_id where d.path = %s",
                (rel,),
            ).fetchall()
            assert all(a == b for a, b in quarantined)


@pytest.fixture(scope="module")
def area(pg_server: db.ServerChoice, tmp_path_factory) -> Iterator[FuzzArea]:
    base = tmp_path_factory.mktemp("fuzz")
    build_landing(base / "template")
    with db.scratch_warehouse(pg_server.url, "gwh_tfuzz") as url:
        yield FuzzArea(base / "landing", base / "template", url)


def _table(data: bytes, sep: str) -> list[list[str]]:
    return [line.split(sep) for line in data.decode().rstrip("\n").split("\n")]


def _mutated_table(rows: list[list[str]], subs, sep: str, damage) -> bytes:
    rows = [list(r) for r in rows]
    for r, c, value in subs:
        row = rows[1 + r % (len(rows) - 1)]
        row[c % len(row)] = value
    return _damage(("\n".join(sep.join(r) for r in rows) + "\n").encode(), damage)


subs = st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99), text), max_size=6)
quoted = st.builds(lambda v: '"' + v.replace('"', '""') + '"', text)


@FUZZ_DB
@given(subs, st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99), quoted)), edits)
def test_loader_on_fuzzed_participants_csv(area: FuzzArea, plain, quoted_, damage) -> None:
    rows = _table(area.read("referrals/EOE/2024-01-15/participants.csv"), ",")
    assert rows[0] == PARTICIPANT_COLS
    data = _mutated_table(rows, plain + quoted_, ",", damage)
    rel = area.deliver("referrals/EOE", {"participants.csv": data})
    area.load("referrals", rel)


@FUZZ_DB
@given(subs, edits)
def test_loader_on_fuzzed_hes_pipe_file(area: FuzzArea, subs_, damage) -> None:
    rows = _table(area.read("hes/2024-03/hes_ae.txt"), "|")
    assert rows[0] == AE_COLS
    rel = area.deliver("hes", {"hes_ae.txt": _mutated_table(rows, subs_, "|", damage)}, True)
    area.load("hes", rel)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@FUZZ_DB
@given(subs, edits)
def test_loader_on_fuzzed_manifest(area: FuzzArea, subs_, damage) -> None:
    seq = area.template / "sequencing/2024-02-01"
    files = {p.name: p.read_bytes() for p in seq.iterdir() if p.name != "_SUCCESS"}
    rows = _table(files["manifest.csv"], ",")
    files["manifest.csv"] = _mutated_table(rows, subs_, ",", damage)
    rel = area.deliver("sequencing", files)
    area.load("sequencing", rel)


qc_values = st.one_of(json_values, st.floats(allow_nan=True), st.integers(-(10**30), 10**30))


@FUZZ_DB
@given(st.dictionaries(st.sampled_from(["platekey", "mean_coverage", "pct_bases_ge_15x",
                                         "contamination_fraction", "reported_sex",
                                         "inferred_sex", "insert_size_median",
                                         "reads_mapped_pct", "extra"]), qc_values, max_size=4),
       st.lists(st.sampled_from(["mean_coverage", "platekey", "reported_sex"]), max_size=2),
       edits)  # fmt: skip
def test_loader_on_fuzzed_qc_json(area: FuzzArea, changes, dropped, damage) -> None:
    seq = area.template / "sequencing/2024-02-01"
    qc = sorted(seq.glob("*.qc.json"))[0]
    doc = json.loads(qc.read_text())
    doc.update(changes)
    for k in dropped:
        doc.pop(k, None)
    data = _damage(json.dumps(doc).encode(), damage)
    manifest = (seq / "manifest.csv").read_text().replace(_sha(qc.read_bytes()), _sha(data))
    rel = area.deliver("sequencing", {"manifest.csv": manifest.encode(), qc.name: data})
    area.load("sequencing", rel)


@FUZZ_DB
@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), json_values), max_size=4),
    st.integers(0, 3),
    edits,
)
def test_loader_on_fuzzed_panelapp_snapshot(area: FuzzArea, changes, copies, damage) -> None:
    doc = json.loads(area.read("panelapp/2024-01-01/panels.json"))
    panel = doc[0]
    doc += [dict(panel, id=panel["id"] + k + 1) for k in range(copies)]
    for i, j, value in changes:
        target = doc[i % len(doc)]
        genes = target.get("genes") if isinstance(target, dict) else None
        gene = genes[j % len(genes)] if isinstance(genes, list) and genes else None
        if j >= 5 and isinstance(gene, dict) and gene:
            gene[sorted(gene)[j % len(gene)]] = value
        elif isinstance(target, dict):
            target[sorted(target)[j % len(target)]] = value
    rel = area.deliver("panelapp", {"panels.json": _damage(json.dumps(doc).encode(), damage)})
    area.load("panelapp", rel)


@FUZZ_DB
@given(edits, st.booleans())
def test_genome_step_on_fuzzed_vcf(area: FuzzArea, damage, damage_packed) -> None:
    # a header line of its own: no two examples deliver the same genome (a duplicate)
    text = VCF_HEADER.replace("\n", f"\n##fuzz={next(area.unique)}\n", 1).encode()
    data = _bgzf(text if damage_packed else _damage(text, damage))
    if damage_packed:
        data = _damage(data, damage)
    seq = area.template / "sequencing/2024-02-01"
    vcf = sorted(seq.glob("*.vcf.gz"))[0]
    manifest = (seq / "manifest.csv").read_text().replace(_sha(vcf.read_bytes()), _sha(data))
    rel = area.deliver("sequencing", {"manifest.csv": manifest.encode(), vcf.name: data})
    area.load("sequencing", rel)
    with psycopg.connect(area.url) as conn:
        refs = pending_genomes(conn, delivery=rel)
    assert [g.file_name for g in refs] == [vcf.name]
    (result,) = process_genomes(area.url, area.root, refs)
    assert result.status in ("loaded", "quarantined"), result


# --- crashes the fuzzing found, kept as regression cases ---------------------------------


def test_found_bgzf_block_whose_extra_field_runs_past_the_data(tmp_path: Path) -> None:
    """Two bytes inserted into a BGZF VCF made a gzip member claim an extra field longer
    than the bytes left: the block reader indexed past its buffer (IndexError, a `failed`
    genome) instead of calling the file damaged."""
    from variants.summary import summarise

    text = VCF_HEADER.replace("\n", "\n##fuzz=10\n", 1).encode()
    path = tmp_path / "damaged.vcf.gz"
    path.write_bytes(_damage(_bgzf(text), [(8195, 0, b"\xd2$")]))
    with pytest.raises(VcfError) as err:
        summarise(path, threads=1)
    assert err.value.code == "unreadable_gzip"
