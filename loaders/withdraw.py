"""Consent withdrawal (feeds.md `withdrawals.csv`, issue 8): `gwh withdraw LANDING`.

`no_further_use` means every row of the participant leaves every layer. The loaders put the
withdrawal into `raw.withdrawals`; `process_withdrawals` then applies each withdrawal not
yet applied, once, in one transaction per withdrawal, and writes one `audit.withdrawals` row
(pseudonym, date, option, what was removed, counts):

- raw: every row keyed by the participant's referral_id, pseudonym or platekey(s); where the
  participant is a family's proband, the family's exit questionnaire, every row derived from
  the family's joint VCF (summary, per-sample stats, contig counts, candidates, tiers), since
  the case *is* the proband's. Where the participant is another member of a joint-called
  family, their per-sample stats go and their genotype is cut out of each candidate's
  `members` list; the family's file-level counts and tiers stay (see docs/security.md).
- quarantine.rows: raw delivered lines holding their referral_id or platekey, or a
  10-digit token whose HMAC is their pseudonym (the NHS number itself is known nowhere).
- dbt tables (staging, intermediate, marts, snapshots, reporting_build, reporting): rows
  whose referral_id / proband_referral_id / participant_pseudonym / platekey is theirs, or
  whose family_id is a family they were proband of. Staging already excludes them on the
  next build (via raw.withdrawals); deleting now means nothing lingers until then, and the
  incremental models and the consent snapshot, which a build would not rewrite, are clean.
- dq.validation_results: their identifiers are removed from `unexpected_sample`.
- landing: their lines are cut out of every delimited file, their own files (QC JSON,
  single-sample VCFs, the family VCF of a family they were proband of) are deleted, and
  joint VCFs they are a member of are rewritten without their sample column (re-indexed,
  manifest checksum updated). Nothing is "moved aside", because an aside copy is still
  their data. The ledger row of each rewritten file takes the new SHA-256, so the loaders
  see the file as already loaded instead of loading it again.

The register of withdrawn pseudonyms (raw.withdrawals, audit.withdrawals) remains: it is what
lets the loaders refuse a later re-delivery (quarantine reason withdrawn_participant).

`no_further_contact` keeps the data; the participant is flagged (dim_participant.
is_no_further_contact) and left out of marts.dim_recontact_eligible_participant. Applying it
writes its audit row only.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

from loaders.ingest.ledger import sha256_file
from loaders.pseudonymise import Pseudonymiser, PseudonymKeyMissing, resolve_key

log = logging.getLogger(__name__)

NO_FURTHER_USE = "no_further_use"
NO_FURTHER_CONTACT = "no_further_contact"

#: Schemas dbt builds tables in; views hold nothing, so only base tables are cleaned.
DBT_SCHEMAS = (
    "staging",
    "intermediate",
    "marts",
    "snapshots",
    "reporting_build",
    "reporting",
)
_NHS_TOKEN = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")


@dataclass(frozen=True)
class Withdrawal:
    """One withdrawal to apply (the earliest delivered row of a referral and option)."""

    referral_id: str
    participant_pseudonym: str
    withdrawal_date: date
    withdrawal_option: str


@dataclass
class WithdrawalOutcome:
    """What applying one withdrawal did. Holds no identifier but the referral id."""

    referral_id: str
    withdrawal_option: str
    withdrawal_date: date
    removed: dict[str, int] = field(default_factory=dict)
    landing_files: list[dict[str, str]] = field(default_factory=list)

    @property
    def rows_removed(self) -> int:
        return sum(self.removed.values())


@dataclass
class WithdrawalReport:
    """The outcome of one `process_withdrawals` call (the DAG task logs it)."""

    applied: list[WithdrawalOutcome] = field(default_factory=list)
    already_applied: int = 0

    @property
    def rows_removed(self) -> int:
        return sum(o.rows_removed for o in self.applied)

    def summary(self) -> str:
        by_option: dict[str, int] = {}
        for o in self.applied:
            by_option[o.withdrawal_option] = by_option.get(o.withdrawal_option, 0) + 1
        opts = ", ".join(f"{k} {v}" for k, v in sorted(by_option.items())) or "none"
        files = sum(len(o.landing_files) for o in self.applied)
        return (
            f"withdrawals applied: {len(self.applied)} ({opts}); already applied earlier: "
            f"{self.already_applied}; rows removed: {self.rows_removed}; "
            f"landing files changed: {files}"
        )


@dataclass
class Subject:
    """Every key under which one withdrawn participant's data is held."""

    referral_ids: set[str]
    pseudonyms: set[str]
    platekeys: set[str]
    families: set[str]  # every family they belong to
    proband_families: set[str]  # families whose proband they are
    vcf_files: set[str]  # VCF file names that are theirs alone (or their family's case)


# ---------------------------------------------------------------------------------------
# finding what to apply


def pending_withdrawals(conn: psycopg.Connection) -> tuple[list[Withdrawal], int]:
    """Withdrawals in raw.withdrawals without an audit row yet, and how many have one.

    A referral with both options gets both, no_further_contact first (data first flagged,
    then removed), which is also the order a participant can take them in.
    """
    rows = conn.execute(
        """
        select distinct on (w.referral_id, w.withdrawal_option)
            w.referral_id, w.participant_pseudonym, w.withdrawal_date, w.withdrawal_option,
            a.withdrawal_id is not null as applied
        from raw.withdrawals w
        left join audit.withdrawals a
            on a.referral_id = w.referral_id and a.withdrawal_option = w.withdrawal_option
        order by w.referral_id, w.withdrawal_option, w.delivery_date, w.ledger_file_id
        """
    ).fetchall()
    pending = [Withdrawal(r[0], r[1], r[2], r[3]) for r in rows if not r[4]]
    pending.sort(key=lambda w: (w.withdrawal_option != NO_FURTHER_CONTACT, w.withdrawal_date))
    return pending, sum(1 for r in rows if r[4])


def _col(conn: psycopg.Connection, query: str, params: Iterable) -> set[str]:
    return {r[0] for r in conn.execute(query, params).fetchall() if r[0] is not None}


def find_subject(conn: psycopg.Connection, w: Withdrawal) -> Subject:
    """Collect the participant's referral ids, pseudonyms, platekeys, families and VCFs."""
    rids = {w.referral_id}
    pseuds = {w.participant_pseudonym}
    # A person referred twice (two referral ids, one NHS number) withdraws as a person.
    rids |= _col(
        conn,
        "select referral_id from raw.referrals_participants where participant_pseudonym = any(%s)",
        (list(pseuds),),
    )
    pseuds |= _col(
        conn,
        "select participant_pseudonym from raw.referrals_participants where referral_id = any(%s)",
        (list(rids),),
    )
    r = list(rids)
    families = _col(
        conn, "select family_id from raw.referrals_participants where referral_id = any(%s)", (r,)
    )
    proband_families = _col(
        conn,
        "select family_id from raw.referrals_participants "
        "where referral_id = any(%s) and relationship_to_proband = 'proband' "
        "union select family_id from raw.variant_candidates where proband_referral_id = any(%s) "
        "union select family_id from raw.variant_tiers where proband_referral_id = any(%s) "
        "union select family_id from raw.results_exit_questionnaires where referral_id = any(%s)",
        (r, r, r, r),
    )
    platekeys = _col(
        conn,
        "select platekey from raw.sequencing_manifest where referral_id = any(%s) "
        "union select platekey from raw.variant_sample_stats where referral_id = any(%s) "
        "union select tumour_sample_platekey from raw.referrals_tumours where referral_id = any(%s)"
        " union select germline_sample_platekey from raw.referrals_tumours "
        "where referral_id = any(%s)",
        (r, r, r, r),
    )
    families |= _col(
        conn, "select family_id from raw.sequencing_manifest where referral_id = any(%s)", (r,)
    )
    # Their own VCFs: manifest VCF rows naming them (single-sample germline and somatic
    # files, or the joint VCF of a family whose proband they are), and any VCF of a family
    # they were proband of.
    vcf_files = _col(
        conn,
        "select file_name from raw.sequencing_manifest where file_type = 'vcf' "
        "and (referral_id = any(%s) or platekey = any(%s) or family_id = any(%s)) "
        "union select file_name from raw.variant_summaries where family_id = any(%s)",
        (r, list(platekeys), list(proband_families), list(proband_families)),
    )
    return Subject(rids, pseuds, platekeys, families, proband_families, vcf_files)


# ---------------------------------------------------------------------------------------
# the database


def _delete(conn: psycopg.Connection, removed: dict[str, int], table: str, where: str, params):
    n = conn.execute(f"delete from {table} where {where}", params).rowcount
    if n:
        removed[table] = removed.get(table, 0) + n


def remove_from_raw(conn: psycopg.Connection, s: Subject, removed: dict[str, int]) -> None:
    """Delete the participant's raw rows (see the module docstring for the family rule)."""
    rids, pseuds, plates = list(s.referral_ids), list(s.pseudonyms), list(s.platekeys)
    pfams = list(s.proband_families)
    # Every variant-layer row of their own VCFs, whole (ledger ids from the summaries).
    file_ids = [
        r[0]
        for r in conn.execute(
            "select distinct ledger_file_id from raw.variant_summaries where file_name = any(%s)",
            (list(s.vcf_files),),
        ).fetchall()
    ]
    for table in (
        "raw.variant_tiers",
        "raw.variant_candidates",
        "raw.variant_contig_counts",
        "raw.variant_sample_stats",
        "raw.variant_summaries",
    ):
        _delete(conn, removed, table, "ledger_file_id = any(%s)", (file_ids,))
    _delete(conn, removed, "raw.variant_tiers", "proband_referral_id = any(%s)", (rids,))
    _delete(conn, removed, "raw.variant_candidates", "proband_referral_id = any(%s)", (rids,))
    _delete(
        conn,
        removed,
        "raw.variant_sample_stats",
        "platekey = any(%s) or referral_id = any(%s)",
        (plates, rids),
    )
    # Their genotype inside other families' candidates (they were a parent or sibling).
    n = conn.execute(
        """
        update raw.variant_candidates c
        set candidate = jsonb_set(
            c.candidate, '{members}',
            coalesce((
                select jsonb_agg(m order by ord)
                from jsonb_array_elements(c.candidate -> 'members') with ordinality as e(m, ord)
                where not (m ->> 'referral_id' = any(%(r)s))
            ), '[]'::jsonb))
        where c.family_id = any(%(f)s)
          and exists (
            select 1 from jsonb_array_elements(c.candidate -> 'members') m
            where m ->> 'referral_id' = any(%(r)s))
        """,
        {"r": rids, "f": list(s.families)},
    ).rowcount
    if n:
        removed["raw.variant_candidates (genotype removed)"] = n
    for table in (
        "raw.referrals_participants",
        "raw.referrals_phenotypes",
        "raw.referrals_tumours",
    ):
        _delete(conn, removed, table, "referral_id = any(%s)", (rids,))
    _delete(
        conn,
        removed,
        "raw.results_exit_questionnaires",
        "referral_id = any(%s) or family_id = any(%s)",
        (rids, pfams),
    )
    _delete(
        conn,
        removed,
        "raw.sequencing_manifest",
        "referral_id = any(%s) or platekey = any(%s) or file_name = any(%s)",
        (rids, plates, list(s.vcf_files)),
    )
    _delete(conn, removed, "raw.sequencing_qc", "platekey = any(%s)", (plates,))
    for table in ("raw.hes_apc", "raw.hes_op", "raw.hes_ae", "raw.mortality_deaths"):
        _delete(conn, removed, table, "participant_pseudonym = any(%s)", (pseuds,))


def redact_ledger(conn: psycopg.Connection, s: Subject, removed: dict[str, int]) -> None:
    """Rename ledger rows of files named after the participant (their QC JSON and
    single-sample VCFs carry their platekey in the path).

    The ledger row stays (it records that a delivery happened and its checksum) but its
    path no longer names a sample of theirs.
    """
    words = sorted(s.referral_ids | s.platekeys)
    if not words:
        return
    pattern = "|".join(re.escape(w) for w in words)
    n = conn.execute(
        "update ledger.files set path = regexp_replace(path, '[^/]*$', "
        "'[withdrawn participant file ' || file_id || ']') where path ~ %s",
        (pattern,),
    ).rowcount
    if n:
        removed["ledger.files (path redacted)"] = n


def _line_matcher(s: Subject, pseudonymiser: Pseudonymiser) -> Callable[[str], bool]:
    """True for a delivered line that holds one of the participant's keys: referral id,
    platekey, or a 10-digit token (3-3-4 spacing allowed) hashing to their pseudonym."""
    words = sorted(s.referral_ids | s.platekeys)
    word_re = re.compile("|".join(re.escape(w) for w in words)) if words else None

    def matches(text: str) -> bool:
        if word_re is not None and word_re.search(text):
            return True
        for m in _NHS_TOKEN.finditer(text):
            if pseudonymiser("".join(m.groups())) in s.pseudonyms:
                return True
        return False

    return matches


def remove_from_quarantine(
    conn: psycopg.Connection,
    s: Subject,
    pseudonymiser: Pseudonymiser,
    removed: dict[str, int],
) -> None:
    """Delete quarantined raw lines that belong to the participant.

    Only the pseudonym is known after loading, so a line is matched by its referral id or
    platekey, or by hashing every NHS-number-shaped token in it with the same key.
    """
    matches = _line_matcher(s, pseudonymiser)
    doomed = []
    with conn.cursor(name="withdraw_quarantine_scan") as cur:
        cur.execute("select ctid::text, raw_line from quarantine.rows")
        for ctid, line in cur:
            if matches(line):
                doomed.append(ctid)
    if doomed:
        n = conn.execute(
            "delete from quarantine.rows where ctid = any(%s::tid[])", (doomed,)
        ).rowcount
        removed["quarantine.rows"] = n


def _dbt_tables(conn: psycopg.Connection) -> dict[tuple[str, str], set[str]]:
    """Base tables of the dbt schemas with the key columns each has."""
    keys = ("referral_id", "proband_referral_id", "participant_pseudonym", "platekey", "family_id")
    rows = conn.execute(
        """
        select c.table_schema, c.table_name, c.column_name
        from information_schema.columns c
        join information_schema.tables t
          on t.table_schema = c.table_schema and t.table_name = c.table_name
        where t.table_type = 'BASE TABLE' and c.table_schema = any(%s)
          and c.column_name = any(%s)
        """,
        (list(DBT_SCHEMAS), list(keys)),
    ).fetchall()
    out: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in rows:
        out.setdefault((schema, table), set()).add(column)
    return out


def remove_from_dbt_tables(conn: psycopg.Connection, s: Subject, removed: dict[str, int]) -> None:
    """Delete the participant's rows from every table dbt built (incl. the snapshot).

    A row is theirs when a key column holds one of their keys; `family_id` counts only in
    family-level tables (no per-person column) and only for families they were proband of.
    """
    values = {
        "referral_id": list(s.referral_ids),
        "proband_referral_id": list(s.referral_ids),
        "participant_pseudonym": list(s.pseudonyms),
        "platekey": list(s.platekeys),
        "family_id": list(s.proband_families),
    }
    for (schema, table), columns in sorted(_dbt_tables(conn).items()):
        if columns & {"referral_id", "participant_pseudonym"}:
            # A per-person table (dim_participant...): other members of their family stay.
            columns = columns - {"family_id"}
        conds = [
            sql.SQL("{} = any({})").format(sql.Identifier(c), sql.Literal(values[c]))
            for c in sorted(columns)
        ]
        n = conn.execute(
            sql.SQL("delete from {} where {}").format(
                sql.Identifier(schema, table), sql.SQL(" or ").join(conds)
            )
        ).rowcount
        if n:
            removed[f"{schema}.{table}"] = n


def scrub_dq_results(conn: psycopg.Connection, s: Subject, removed: dict[str, int]) -> None:
    """Drop the participant's identifiers from data-quality result samples.

    dq.validation_results keeps at most 20 offending values per check; the check result
    itself (counts, pass/fail) is history and stays, only the sample values go.
    """
    if conn.execute("select to_regclass('dq.validation_results')").fetchone()[0] is None:
        return
    ids = sorted(s.referral_ids | s.pseudonyms | s.platekeys)
    if not ids:
        return
    pattern = "|".join(re.escape(i) for i in ids)
    n = conn.execute(
        """
        update dq.validation_results
        set unexpected_sample = case jsonb_typeof(unexpected_sample)
            when 'array' then coalesce((
                select jsonb_agg(e order by ord)
                from jsonb_array_elements(unexpected_sample) with ordinality as x(e, ord)
                where e::text !~ %(p)s), '[]'::jsonb)
            else null end,
            observed_value = case when observed_value ~ %(p)s then null else observed_value end
        where unexpected_sample::text ~ %(p)s or observed_value ~ %(p)s
        """,
        {"p": pattern},
    ).rowcount
    if n:
        removed["dq.validation_results (samples scrubbed)"] = n


# ---------------------------------------------------------------------------------------
# the landing area


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


def _rewrite_vcf_without(path: Path, samples: set[str]) -> int:
    """Rewrite a bgzipped joint VCF without `samples` (re-indexed); returns columns removed."""
    import pysam

    with pysam.VariantFile(str(path)) as vf:
        present = list(vf.header.samples)
    gone = [x for x in present if x in samples]
    if not gone:
        return 0
    keep = [x for x in present if x not in samples]
    tmp = path.with_name(path.name + ".withdraw.tmp.vcf.gz")
    with pysam.VariantFile(str(path)) as vf:
        vf.subset_samples(keep)
        with pysam.VariantFile(str(tmp), "wz", header=vf.header) as out:
            for rec in vf:
                out.write(rec)
    tmp.replace(path)
    tbi = path.with_name(path.name + ".tbi")
    if tbi.exists():
        tbi.unlink()
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return len(gone)


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
    matches = _line_matcher(s, pseudonymiser)

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
                    n = _rewrite_vcf_without(vcf, s.platekeys)
                except (OSError, ValueError):
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

    Normally the file's own ledger row takes the new SHA-256. When another loaded file
    already has that content (two files that became header-only), the unique index allows
    only one: a `duplicate` row for this path points at it instead, which the loader also
    reads as "seen" (loaders.ingest.ledger.process_file).
    """
    sha, size = sha256_file(path)
    mine = conn.execute(
        "select file_id, delivery_id, feed, kind from ledger.files where path = %s "
        "and status in ('loaded', 'quarantined') order by file_id desc limit 1",
        (rel,),
    ).fetchone()
    if mine is None:
        return  # never loaded (e.g. a VCF the variants step has not reached): nothing to do
    other = conn.execute(
        "select file_id from ledger.files where sha256 = %s "
        "and status in ('loaded', 'quarantined') and file_id <> %s",
        (sha, mine[0]),
    ).fetchone()
    if other is None:
        conn.execute(
            "update ledger.files set sha256 = %s, size_bytes = %s where file_id = %s",
            (sha, size, mine[0]),
        )
    else:
        conn.execute(
            "insert into ledger.files (delivery_id, feed, kind, path, sha256, size_bytes, "
            "status, duplicate_of, finished_at, error) values "
            "(%s, %s, %s, %s, %s, %s, 'duplicate', %s, clock_timestamp(), %s)",
            (*mine[1:], rel, sha, size, other[0], "rewritten by a consent withdrawal"),
        )
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


# ---------------------------------------------------------------------------------------
# the entry point


def apply_withdrawal(
    conn: psycopg.Connection, landing: Path, w: Withdrawal, pseudonymiser: Pseudonymiser
) -> WithdrawalOutcome:
    """Apply one withdrawal inside the caller's transaction and write its audit row."""
    outcome = WithdrawalOutcome(w.referral_id, w.withdrawal_option, w.withdrawal_date)
    if w.withdrawal_option == NO_FURTHER_USE:
        subject = find_subject(conn, w)
        remove_from_raw(conn, subject, outcome.removed)
        remove_from_quarantine(conn, subject, pseudonymiser, outcome.removed)
        redact_ledger(conn, subject, outcome.removed)
        remove_from_dbt_tables(conn, subject, outcome.removed)
        scrub_dq_results(conn, subject, outcome.removed)
        # Landing last: if it fails, the transaction rolls back and the next run retries
        # (cutting lines that are already gone is a no-op).
        outcome.landing_files = clean_landing(conn, landing, subject, pseudonymiser)
    conn.execute(
        "insert into audit.withdrawals (referral_id, participant_pseudonym, withdrawal_date, "
        "withdrawal_option, rows_removed, removed, landing_files) "
        "values (%s, %s, %s, %s, %s, %s, %s)",
        (
            w.referral_id,
            w.participant_pseudonym,
            w.withdrawal_date,
            w.withdrawal_option,
            outcome.rows_removed,
            json.dumps(outcome.removed, sort_keys=True),
            json.dumps(outcome.landing_files),
        ),
    )
    return outcome


def process_withdrawals(
    url: str, landing: Path, key: bytes | str | None = None
) -> WithdrawalReport:
    """Apply every loaded withdrawal not yet applied; one audit row each.

    Idempotent: a withdrawal with an audit row is never applied again, so a second call does
    nothing. Each withdrawal commits on its own (under an advisory lock, so two concurrent
    calls cannot apply the same one twice). The key is the pseudonymisation key (from the
    environment or Airflow when None): it is needed to recognise NHS numbers in quarantined
    lines and landing files.
    """
    pseudonymiser = Pseudonymiser(resolve_key(key))
    landing = Path(landing)
    report = WithdrawalReport()
    with psycopg.connect(url) as conn:
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext('gwh withdraw'))")
            pending, report.already_applied = pending_withdrawals(conn)
        for i, w in enumerate(pending, 1):
            with conn.transaction():
                conn.execute("select pg_advisory_xact_lock(hashtext('gwh withdraw'))")
                done = conn.execute(
                    "select 1 from audit.withdrawals where referral_id = %s "
                    "and withdrawal_option = %s",
                    (w.referral_id, w.withdrawal_option),
                ).fetchone()
                if done:
                    report.already_applied += 1
                    continue
                outcome = apply_withdrawal(conn, landing, w, pseudonymiser)
            report.applied.append(outcome)
            log.info(
                "withdrawal %d/%d: %s %s: %d rows removed, %d landing files changed",
                i,
                len(pending),
                w.referral_id,
                w.withdrawal_option,
                outcome.rows_removed,
                len(outcome.landing_files),
            )
    log.info("%s", report.summary())
    return report


# ---------------------------------------------------------------------------------------
# CLI


def cmd_withdraw(args: argparse.Namespace) -> int:
    from loaders.db import warehouse_url

    try:
        key = resolve_key()  # before touching anything: no key, no withdrawal
    except PseudonymKeyMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    landing = Path(args.landing)
    if not landing.is_dir():
        print(f"error: landing area {landing} is not a directory", file=sys.stderr)
        return 2
    url = args.url or warehouse_url()
    report = process_withdrawals(url, landing, key)
    for o in report.applied:
        print(
            f"{o.referral_id} {o.withdrawal_option} ({o.withdrawal_date}): "
            f"{o.rows_removed} rows removed, {len(o.landing_files)} landing files changed"
        )
    print(report.summary())
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "withdraw",
        help="apply loaded consent withdrawals to every layer and the landing area",
        description=(
            "Apply every withdrawal in raw.withdrawals not applied yet: no_further_use "
            "removes the participant from raw, quarantine, dbt tables, dq results and the "
            "landing area; each writes one audit.withdrawals row. Idempotent."
        ),
    )
    p.add_argument("landing", help="the landing area the withdrawals were loaded from")
    p.add_argument("--url", help="warehouse URL (default: the project rule)")
    p.set_defaults(func=cmd_withdraw)


if __name__ == "__main__":  # pragma: no cover - convenience
    from loaders.cli import main

    sys.exit(main(["withdraw", *sys.argv[1:]]))
