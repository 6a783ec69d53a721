"""Removing a withdrawn participant from the landing area: their lines cut out of every
delimited file, their own files deleted, joint VCFs rewritten without their column, and the
ledger told the new checksums so the loaders see the rewritten files as already loaded."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

import psycopg

from formats.vcf import VcfError, drop_samples
from governance.withdrawal.subjects import Subject, line_matcher
from loaders.ingest import FileError, unsafe_reason
from loaders.ingest.ledger import record_content, sha256_file
from loaders.ingest.parsing import csv_records, pipe_records
from loaders.pseudonymise import Pseudonymiser


def _replace_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically (temp file + rename): a loader scanning the landing area
    sees the old content or the new, never half a file."""
    tmp = path.with_name(path.name + ".withdraw.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _records(path: Path, delimiter: str) -> tuple[list[tuple[str, list[str]]], str, bool]:
    """The file's records as (raw text, fields), its line ending and whether it has a BOM.

    Read by the loaders' own readers, so a record here is exactly what the loader counted
    as one (a quoted field may span lines; a malformed CSV record or one with an oversized
    field is one record, its fields as a lenient reading gives them). A file that is not
    UTF-8 (quarantined whole by the loader) is read line by line instead, undecodable bytes
    kept as they are.
    """
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    newline = "\r\n" if b"\r\n" in data else "\n"
    try:
        reader = csv_records(path) if delimiter == "," else pipe_records(path)
        return [(r[1], r[2]) for r in reader], newline, bom
    except FileError:
        text = data.decode("utf-8-sig", errors="surrogateescape")
        lines = text.splitlines()
        return [(line, line.split(delimiter)) for line in lines], newline, bom


def _write_records(path: Path, raws: list[str], newline: str, bom: bool) -> None:
    text = newline.join(raws) + newline
    data = text.encode("utf-8", errors="surrogateescape")
    _replace_bytes(path, (b"\xef\xbb\xbf" if bom else b"") + data)


def _rewrite_delimited(
    path: Path, delimiter: str, drop: Callable[[dict[str, str], list[str]], bool]
) -> int:
    """Rewrite a delimited file without the records `drop` selects; returns records dropped.

    Every other record is written back byte for byte as delivered (never re-quoted), so a
    record the loader quarantined keeps its defect and its reason. Records that do not parse
    against the header (wrong field count, broken quoting) are still offered to `drop` as
    their fields, so a defective line of the participant goes too.
    """
    records, newline, bom = _records(path, delimiter)
    if not records:
        return 0
    (header_raw, header), body = records[0], records[1:]
    kept = [
        raw for raw, fields in body if not drop(dict(zip(header, fields, strict=False)), fields)
    ]
    dropped = len(body) - len(kept)
    if dropped:
        _write_records(path, [header_raw, *kept], newline, bom)
    return dropped


#: Raw tables, and how a row of one belongs to the participant (psycopg named parameters:
#: r referral ids, ps pseudonyms, p platekeys, f families, pf families they were proband of).
_THEIR_ROWS = (
    ("raw.referrals_participants", "referral_id = any(%(r)s)"),
    ("raw.referrals_phenotypes", "referral_id = any(%(r)s)"),
    ("raw.referrals_tumours", "referral_id = any(%(r)s)"),
    ("raw.results_exit_questionnaires", "referral_id = any(%(r)s) or family_id = any(%(pf)s)"),
    (
        "raw.sequencing_manifest",
        "referral_id = any(%(r)s) or platekey = any(%(p)s) or family_id = any(%(f)s)",
    ),
    ("raw.sequencing_qc", "platekey = any(%(p)s)"),
    ("raw.hes_apc", "participant_pseudonym = any(%(ps)s)"),
    ("raw.hes_op", "participant_pseudonym = any(%(ps)s)"),
    ("raw.hes_ae", "participant_pseudonym = any(%(ps)s)"),
    ("raw.mortality_deaths", "participant_pseudonym = any(%(ps)s)"),
    ("raw.withdrawals", "referral_id = any(%(r)s)"),
)


def landing_files_of(
    conn: psycopg.Connection, s: Subject, quarantined_in: set[int] | None = None
) -> set[str]:
    """The delivered files (paths relative to the landing root) that hold the participant,
    found in the ledger, not by reading the landing area: every raw row keeps the ledger id
    of the file it came from; `quarantined_in` adds the files of their quarantined lines;
    their own and their families' genome and QC files are named in the manifests.

    Read before their rows are deleted; the cost follows the participant, not the landing.
    """
    params = {
        "r": sorted(s.referral_ids),
        "ps": sorted(s.pseudonyms),
        "p": sorted(s.platekeys),
        "f": sorted(s.families),
        "pf": sorted(s.proband_families),
    }
    ids = set(quarantined_in or ())
    for table, where in _THEIR_ROWS:
        ids |= {
            r[0]
            for r in conn.execute(
                f"select distinct ledger_file_id from {table} where {where}", params
            )
        }
    # Files loaded after their withdrawal was, whose lines of withdrawn participants the
    # loader refused (counted, not kept: the ledger cannot say whose they were).
    ids |= {
        r[0]
        for r in conn.execute(
            "select distinct q.ledger_file_id from quarantine.rows q "
            "where q.reason = 'withdrawn_participant' and q.ledger_file_id > "
            "(select min(w.ledger_file_id) from raw.withdrawals w where w.referral_id = any(%s))",
            (params["r"],),
        )
    }
    paths = {
        r[0]
        for r in conn.execute(
            "select path from ledger.files where file_id = any(%s)", (sorted(ids),)
        )
    }
    # genome and QC files: their own, and the joint VCFs of their families (to cut a column)
    names = sorted(
        s.vcf_files
        | {f"{fam}.vcf.gz" for fam in s.families}
        | {f"{pk}.qc.json" for pk in s.platekeys}
    )
    paths |= {
        r[0]
        for r in conn.execute(
            "select d.path || '/' || m.file_name from raw.sequencing_manifest m "
            "join ledger.files f on f.file_id = m.ledger_file_id "
            "join ledger.deliveries d on d.delivery_id = f.delivery_id "
            "where m.file_name = any(%s)",
            (names,),
        )
    }
    return paths


def _not_loaded_yet(conn: psycopg.Connection, landing: Path) -> set[str]:
    """Files of the complete deliveries the ledger has not seen yet (delivered for a later
    night): the ledger cannot say what they hold, so they are read."""
    from loaders.ingest import discover

    deliveries, _ = discover(landing)
    known = {r[0] for r in conn.execute("select path from ledger.deliveries")}
    out: set[str] = set()
    for d in deliveries:
        if d.rel_path in known or not d.abs_path.is_dir():
            continue
        out |= {f"{d.rel_path}/{p.name}" for p in d.abs_path.iterdir() if p.is_file()}
    return out


def clean_landing(
    conn: psycopg.Connection,
    landing: Path,
    s: Subject,
    pseudonymiser: Pseudonymiser,
    candidates: set[str],
) -> list[dict[str, str]]:
    """Remove the participant from the landing area; returns what was done per file.

    Only `candidates` (from `landing_files_of`, read before their rows were deleted) and
    the files of deliveries not loaded yet are visited. The ledger learns every rewritten
    file's new SHA-256 (so the next load sees it as loaded); deleted files keep their
    ledger rows as the record of delivery.
    """
    actions: list[dict[str, str]] = []
    if not landing.is_dir():
        raise FileNotFoundError(f"landing area {landing} is not a directory")
    root = landing.resolve()
    matches = line_matcher(s, pseudonymiser)

    def row_is_theirs(_: dict[str, str], fields: list[str]) -> bool:
        return matches("\x1f".join(fields))

    def note(path: Path, action: str, detail: str = "") -> None:
        rel = path.relative_to(root).as_posix()
        entry = {"path": rel, "action": action}
        if detail:
            entry["detail"] = detail
        actions.append(entry)
        if action == "rewritten":
            _record_rewrite(conn, rel, path)

    csv_feeds = {
        "participants.csv",
        "phenotypes.csv",
        "tumours.csv",
        "exit_questionnaires.csv",
        "withdrawals.csv",
    }
    visit = set(candidates) | _not_loaded_yet(conn, root)
    files: list[Path] = []
    for rel in sorted(visit):
        if unsafe_reason(root, rel):
            continue  # a symlink out of the landing area: never followed
        path = root / rel
        if path.is_file():
            files.append(path)
    folders: set[Path] = set()
    for path in files:
        name = path.name
        if name in csv_feeds:

            def drop(rec: dict[str, str], fields: list[str]) -> bool:
                if row_is_theirs(rec, fields):
                    return True
                # The exit questionnaire of a family whose proband withdrew is theirs.
                return rec.get("family_id") in s.proband_families and "case_solved" in rec

            n = _rewrite_delimited(path, ",", drop)
            if n:
                note(path, "rewritten", f"{n} rows removed")
        elif name in ("hes_apc.txt", "hes_op.txt", "hes_ae.txt", "deaths.txt"):
            n = _rewrite_delimited(path, "|", row_is_theirs)
            if n:
                note(path, "rewritten", f"{n} rows removed")
        elif name.endswith(".qc.json") and name.removesuffix(".qc.json") in s.platekeys:
            path.unlink()
            note(path, "deleted")
        elif name.endswith(".vcf.gz") or name == "manifest.csv":
            folders.add(path.parent)
    # VCFs after the text files, then their manifests (which carry the VCF checksums).
    for folder in sorted(folders):
        manifest = folder / "manifest.csv"
        if unsafe_reason(root, manifest.relative_to(root).as_posix()):
            continue  # a manifest linked from outside the landing area: never opened
        new_sha: dict[str, str] = {}
        for vcf in sorted(p for p in files if p.parent == folder and p.name.endswith(".vcf.gz")):
            if vcf.name in s.vcf_files:
                vcf.unlink()
                note(vcf, "deleted")
                tbi = vcf.with_name(vcf.name + ".tbi")
                if tbi.exists():
                    tbi.unlink()
                    note(tbi, "deleted")
            elif vcf.name.removesuffix(".vcf.gz") in s.families and s.platekeys:
                try:
                    n = drop_samples(vcf, s.platekeys)
                except (OSError, ValueError, VcfError):
                    # Unreadable (truncated, not BGZF...): it was quarantined whole and
                    # can never load, but still holds their genotypes: it goes.
                    vcf.unlink()
                    note(vcf, "deleted", "unreadable joint VCF of their family")
                    continue
                if n:
                    new_sha[vcf.name] = sha256_file(vcf)[0]
                    note(vcf, "rewritten", f"{n} sample column(s) removed")
        if manifest.is_file():

            def drop_manifest(rec: dict[str, str], fields: list[str]) -> bool:
                return row_is_theirs(rec, fields) or rec.get("file_name") in s.vcf_files

            n = _rewrite_delimited(manifest, ",", drop_manifest)
            if new_sha:
                _update_manifest_sha(manifest, new_sha)
            if n or new_sha:
                note(manifest, "rewritten", f"{n} rows removed, {len(new_sha)} checksums updated")
    return actions


def _record_rewrite(conn: psycopg.Connection, rel: str, path: Path) -> None:
    """Make the ledger know a rewritten landing file's new content as already loaded.

    The file's ledger row keeps the SHA-256 it was delivered with and gains the new one
    (ledger.file_contents), so exactly-once holds for both: the next run sees the rewritten
    file as loaded, and a supplier re-sending the original bytes is a duplicate, not a
    second load of rows a withdrawal removed.
    """
    sha, size = sha256_file(path)
    mine = conn.execute(
        "select file_id from ledger.files where path = %s "
        "and status in ('loaded', 'quarantined') order by file_id desc limit 1",
        (rel,),
    ).fetchone()
    if mine is None:
        return  # never loaded (e.g. a VCF the genome step has not reached): nothing to do
    record_content(conn, mine[0], sha, size, "rewritten by a consent withdrawal")
    if path.name.endswith(".vcf.gz"):
        conn.execute(
            "update raw.sequencing_manifest set sha256 = %s where file_name = %s",
            (sha, path.name),
        )


def _update_manifest_sha(manifest: Path, new_sha: dict[str, str]) -> None:
    """Put the new checksums of rewritten VCFs into the manifest, keeping its BOM, its line
    endings and every other record as delivered, so the variants loader's checksum check
    passes on the rewritten file."""
    records, newline, bom = _records(manifest, ",")
    if not records:
        return
    header = records[0][1]
    if "file_name" not in header or "sha256" not in header:
        return
    name_at, sha_at = header.index("file_name"), header.index("sha256")
    out = [records[0][0]]
    changed = False
    for raw, fields in records[1:]:
        if len(fields) == len(header) and fields[name_at] in new_sha:
            fields = list(fields)
            fields[sha_at] = new_sha[fields[name_at]]
            buf = io.StringIO(newline="")
            csv.writer(buf, lineterminator="").writerow(fields)
            raw, changed = buf.getvalue(), True
        out.append(raw)
    if changed:
        _write_records(manifest, out, newline, bom)
