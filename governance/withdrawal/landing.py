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
from loaders.ingest.ledger import record_content, sha256_file
from loaders.pseudonymise import Pseudonymiser


def _replace_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically (temp file + rename): a loader scanning the landing area
    sees the old content or the new, never half a file."""
    tmp = path.with_name(path.name + ".withdraw.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _rewrite_delimited(
    path: Path, delimiter: str, drop: Callable[[dict[str, str], list[str]], bool]
) -> int:
    """Rewrite a delimited file without the rows `drop` selects; returns rows dropped.

    Rows that do not parse against the header (wrong field count) are still offered to
    `drop` as their raw fields, so a defective line of the participant goes too.
    """
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig", errors="surrogateescape")
    newline = "\r\n" if "\r\n" in text else "\n"
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        return 0
    header, body = rows[0], rows[1:]
    kept = [r for r in body if not drop(dict(zip(header, r, strict=False)), r)]
    dropped = len(body) - len(kept)
    if dropped:
        out = io.StringIO(newline="")
        quoting = csv.QUOTE_MINIMAL if delimiter == "," else csv.QUOTE_NONE
        w = csv.writer(
            out, delimiter=delimiter, lineterminator=newline, quoting=quoting, escapechar="\\"
        )
        w.writerow(header)
        w.writerows(kept)
        data = out.getvalue().encode("utf-8", errors="surrogateescape")
        _replace_bytes(path, (b"\xef\xbb\xbf" if bom else b"") + data)
    return dropped


def clean_landing(
    conn: psycopg.Connection, landing: Path, s: Subject, pseudonymiser: Pseudonymiser
) -> list[dict[str, str]]:
    """Remove the participant from the landing area; returns what was done per file.

    The ledger row of every rewritten file takes its new SHA-256 (so the next load sees it
    as already loaded); deleted files keep their ledger rows as the record of delivery.
    """
    actions: list[dict[str, str]] = []
    if not landing.is_dir():
        raise FileNotFoundError(f"landing area {landing} is not a directory")
    matches = line_matcher(s, pseudonymiser)

    def row_is_theirs(_: dict[str, str], fields: list[str]) -> bool:
        return matches("\x1f".join(fields))

    def note(path: Path, action: str, detail: str = "") -> None:
        rel = path.relative_to(landing).as_posix()
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
    for path in sorted(landing.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
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
    # VCFs after the text files, then their manifests (which carry the VCF checksums).
    for folder in sorted(p for p in (landing / "sequencing").glob("*") if p.is_dir()):
        manifest = folder / "manifest.csv"
        new_sha: dict[str, str] = {}
        for vcf in sorted(folder.glob("*.vcf.gz")):
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
    """Put the new checksums of rewritten VCFs into the manifest, keeping its BOM and line
    endings, so the variants loader's checksum check passes on the rewritten file."""
    raw = manifest.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig", errors="surrogateescape")
    newline = "\r\n" if "\r\n" in text else "\n"
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    if not rows:
        return
    for r in rows:
        if r.get("file_name") in new_sha:
            r["sha256"] = new_sha[r["file_name"]]
    out = io.StringIO(newline="")
    w = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator=newline)
    w.writeheader()
    w.writerows(rows)
    data = out.getvalue().encode("utf-8", errors="surrogateescape")
    _replace_bytes(manifest, (b"\xef\xbb\xbf" if bom else b"") + data)
