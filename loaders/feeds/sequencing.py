"""sequencing/<date>/: manifest.csv, <platekey>.qc.json and the VCFs it lists (feeds.md).

This module loads the manifest and the QC JSONs (each checked against the manifest's
SHA-256), and records the fate of every other file of the delivery. Genomes are left for
loaders.genomes, which reads each one once: the same pass computes its SHA-256 for the
ledger, checks it against the manifest (a mismatch is quarantined whole, CHECKSUM_MISMATCH)
and only then summarises it. Tabix indexes (`.tbi`) of listed VCFs
are expected beside them; any other file the manifest does not list is quarantined
(NOT_IN_MANIFEST). A file name in the manifest that is absolute or holds `..` is refused.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from domain.reasons import FileReason, RowReason
from loaders.feeds.common import FAMILY_ID, PLATEKEY, REFERRAL_ID
from loaders.feeds.jsonfile import compact, read_json
from loaders.ingest import (
    SUCCESS,
    Col,
    Delivery,
    FileContext,
    Run,
    TableSpec,
    delivered_file,
    load_delimited,
    name_unsafe_reason,
    unsafe_reason,
)
from loaders.ingest.errors import FileError, RowError
from loaders.ingest.ledger import WITHDRAWN_PATH_SQL
from loaders.ingest.parsing import csv_records
from loaders.ingest.validation import in_set, pattern, shown
from loaders.ingest.withdrawn import withdrawn_no_further_use

log = logging.getLogger(__name__)

MANIFEST = "manifest.csv"
SAMPLE_TYPES = frozenset({"germline", "tumour"})
FILE_TYPES = frozenset({"vcf", "qc"})
BUILDS = frozenset({"GRCh38"})
SEXES = frozenset({"male", "female", "unknown"})
QC_KEYS = (
    "platekey",
    "mean_coverage",
    "pct_bases_ge_15x",
    "contamination_fraction",
    "reported_sex",
    "inferred_sex",
    "insert_size_median",
    "reads_mapped_pct",
)
_PLATEKEY = re.compile(PLATEKEY)
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ManifestEntry:
    file_name: str
    file_type: str
    platekey: str
    sha256: str
    referral_id: str = ""


def manifest_rows(landing: Path, delivery: Delivery) -> list[dict[str, str]]:
    """The manifest's records as dicts by header, read with the loaders' own strict CSV
    reader; a manifest that may not or cannot be read (absent, a link out of the landing
    area, not UTF-8, a malformed header) has none, and a record that breaks RFC 4180 names
    nothing.

    The loader validates and loads the manifest (`manifest_spec`); this reading serves the
    decisions taken per listed file, including for rows the loader refused (a withdrawn
    participant's row is refused, yet the files it names must be refused too).
    """
    path = delivered_file(landing, delivery, MANIFEST)
    if path is None:
        return []
    try:
        records = list(csv_records(path))
    except (FileError, OSError):
        return []
    if not records or records[0][4] is not None:
        return []
    header = records[0][2]
    return [dict(zip(header, r[2], strict=False)) for r in records[1:] if r[4] is None]


def manifest_entries(landing: Path, delivery: Delivery) -> dict[str, ManifestEntry]:
    """file_name -> entry for every manifest row with a usable name and SHA-256 (the first
    row naming a file wins, as the loader's key check does)."""
    out: dict[str, ManifestEntry] = {}
    for r in manifest_rows(landing, delivery):
        name, sha = r.get("file_name") or "", (r.get("sha256") or "").lower()
        if name and _SHA.fullmatch(sha) and name not in out:
            out[name] = ManifestEntry(
                name,
                r.get("file_type") or "",
                r.get("platekey") or "",
                sha,
                r.get("referral_id") or "",
            )
    return out


def withdrawn_platekeys(landing: Path, delivery: Delivery, withdrawn: set[str]) -> dict[str, str]:
    """platekey -> referral_id for the manifest rows of withdrawn participants: the rows the
    loader refused (and so kept nowhere), which still tell which sample column of a joint
    VCF is theirs."""
    if not withdrawn:
        return {}
    return {
        r["platekey"]: r["referral_id"]
        for r in manifest_rows(landing, delivery)
        if r.get("referral_id") in withdrawn and r.get("platekey")
    }


def manifest_spec(run: Run, ctx: FileContext) -> TableSpec:
    def sha(v: str) -> str:
        if _SHA.fullmatch(v):
            return v
        raise RowError(RowReason.INVALID_FORMAT, "sha256: not 64 lower-case hex digits")

    def file_name(v: str) -> str:
        why = name_unsafe_reason(v)
        if why:
            raise RowError(RowReason.INVALID_FORMAT, f"file_name: {why}")
        return v

    cols = [
        Col("platekey", pattern("platekey", PLATEKEY, "a platekey"), max_len=17),
        Col("referral_id", pattern("referral_id", REFERRAL_ID, "RR + 8 digits"), max_len=10),
        Col("family_id", pattern("family_id", FAMILY_ID, "FAM + 7 digits"), max_len=10),
        Col("sample_type", in_set("sample_type", SAMPLE_TYPES)),
        Col("file_name", file_name, max_len=200),
        Col("file_type", in_set("file_type", FILE_TYPES)),
        Col("genome_build", in_set("genome_build", BUILDS)),
        Col("sha256", sha, max_len=64),
    ]
    return TableSpec(
        "raw.sequencing_manifest",
        cols,
        [c.name for c in cols],
        key=("file_name",),
    )


def _number(doc: dict, key: str, lo: float, hi: float) -> str:
    v = doc[key]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise RowError(RowReason.WRONG_TYPE, f"{key}: expected a number")
    if not lo <= v <= hi:
        raise RowError(RowReason.WRONG_TYPE, f"{key}: {v} outside {lo}..{hi}")
    return repr(float(v))


def load_qc(ctx: FileContext) -> None:
    doc = read_json(ctx.path)
    if not isinstance(doc, dict):
        raise FileError(FileReason.BAD_FORMAT, f"{ctx.path.name}: expected one JSON object")
    if set(doc) != set(QC_KEYS):
        missing = sorted(set(QC_KEYS) - set(doc))
        extra = sorted(set(doc) - set(QC_KEYS))
        raise FileError(
            FileReason.WRONG_HEADER,
            f"{ctx.path.name}: keys differ from feeds.md (missing {missing}, "
            f"unexpected {[k[:40] for k in extra]})",
        )
    ctx.delivered = 1
    try:
        pk = doc["platekey"]
        if not isinstance(pk, str) or not _PLATEKEY.fullmatch(pk):
            raise RowError(RowReason.INVALID_FORMAT, "platekey: not a platekey")
        if ctx.path.name != f"{pk}.qc.json":
            raise RowError(RowReason.INVALID_FORMAT, f"platekey {pk} does not match the file name")
        sexes = []
        for k in ("reported_sex", "inferred_sex"):
            s = doc[k]
            if not isinstance(s, str) or s not in SEXES:
                raise RowError(
                    RowReason.UNKNOWN_CODE, f"{k}: {shown(str(s))} not one of male, female, unknown"
                )
            sexes.append(s)
        vals = [
            pk,
            _number(doc, "mean_coverage", 0, 10_000),
            _number(doc, "pct_bases_ge_15x", 0, 100),
            _number(doc, "contamination_fraction", 0, 1),
            sexes[0],
            sexes[1],
            _number(doc, "insert_size_median", 0, 100_000),
            _number(doc, "reads_mapped_pct", 0, 100),
        ]
    except RowError as exc:
        ctx.quarantine(1, exc.reason, exc.message, compact(doc))
        return
    with ctx.writer("raw.sequencing_qc", list(QC_KEYS)) as w:
        w.write(vals, 1, escape=True)


def refuse_withdrawn(ctx: FileContext) -> None:
    """A file of a participant withdrawn with no_further_use is counted as one
    delivered record, refused with reason withdrawn_participant, and never read or kept."""
    ctx.delivered = 1
    ctx.quarantine(
        1,
        RowReason.WITHDRAWN_PARTICIPANT,
        "participant withdrew (no_further_use); file not loaded",
        "",
    )
    # The file name carries their platekey or family: keep the ledger row, not the name
    # (as governance.withdrawal does for files loaded before the withdrawal).
    ctx.conn.execute(
        f"update ledger.files set path = {WITHDRAWN_PATH_SQL} where file_id = %s", (ctx.file_id,)
    )


def _never_called(ctx: FileContext) -> None:  # pragma: no cover - mismatch raises first
    raise FileError(FileReason.CHECKSUM_MISMATCH, f"{ctx.path.name}: verified earlier")


def load_delivery(run: Run, delivery: Delivery) -> None:
    folder = delivery.abs_path
    if not (folder / MANIFEST).exists():
        run.report.warnings.append(f"{delivery.rel_path}: {MANIFEST} not delivered")
    else:
        run.process(
            delivery, MANIFEST, "manifest", lambda ctx: load_delimited(ctx, manifest_spec(run, ctx))
        )
    entries = manifest_entries(run.landing, delivery)
    withdrawn = {r for r, _ in withdrawn_no_further_use(run.conn, delivery.delivery_date)}
    listed_genomes = withheld = 0
    for name, entry in entries.items():
        if name_unsafe_reason(name):
            run.process(delivery, name, entry.file_type or "listed", _never_called)
            continue
        if entry.referral_id in withdrawn:
            # A withdrawn participant's file (a re-delivered QC JSON or genome): refused
            # here, counted, never read. One that is listed but absent gets no ledger row:
            # a "missing" row would keep their file name, which is all it could say.
            if (folder / name).is_file() and not unsafe_reason(
                run.landing, delivery.file_rel(name)
            ):
                run.process(delivery, name, entry.file_type or "listed", refuse_withdrawn)
            else:
                withheld += 1
            continue
        if entry.file_type == "qc":
            run.process(delivery, name, "qc", load_qc, expected_sha256=entry.sha256)
            continue
        path = folder / name
        if unsafe_reason(run.landing, delivery.file_rel(name)) or not path.is_file():
            # refused (symlink out of the landing area) or missing: recorded by the ledger
            run.process(delivery, name, entry.file_type or "listed", _never_called)
            continue
        # a genome: left for loaders.genomes, which checks it against the manifest's
        # SHA-256 in the same pass that makes it exactly-once (one read, not two)
        listed_genomes += 1
    listed = set(entries)
    for p in sorted(folder.iterdir()):
        n = p.name
        if n in (SUCCESS, MANIFEST) or n in listed:
            continue
        if n.endswith(".tbi") and n[:-4] in listed:
            continue
        run.reject(
            delivery, n, "unlisted", FileReason.NOT_IN_MANIFEST, f"{n}: not listed in {MANIFEST}"
        )
    if withheld:
        run.report.warnings.append(
            f"{delivery.rel_path}: {withheld} listed file(s) of withdrawn participants absent; "
            "not recorded by name"
        )
    if listed_genomes:
        log.info("%s: %d genomes listed for the genome step", delivery.rel_path, listed_genomes)
