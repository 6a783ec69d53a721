"""Removing a withdrawn participant from the warehouse: raw, ledger paths, quarantined
lines, every table dbt built, and data-quality samples. Runs inside the caller's
transaction, so a withdrawal is applied everywhere or nowhere."""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from governance.withdrawal.subjects import Subject, line_matcher
from loaders.ingest.ledger import WITHDRAWN_PATH_SQL
from loaders.pseudonymise import Pseudonymiser

#: Schemas dbt builds tables in; views hold nothing, so only base tables are cleaned.
DBT_SCHEMAS = (
    "staging",
    "intermediate",
    "marts",
    "snapshots",
    "reporting_build",
    "reporting",
)


def _delete(conn: psycopg.Connection, removed: dict[str, int], table: str, where: str, params):
    """Delete rows of a raw table and count them against their files' ledger rows
    (`rows_withdrawn`), so the reconciliation of loaded and present rows stays exact."""
    n = _count_withdrawn(
        conn,
        f"delete from {table} where {where} returning ledger_file_id",
        params,
        "rows_withdrawn",
    )
    if n:
        removed[table] = removed.get(table, 0) + n


def _count_withdrawn(conn: psycopg.Connection, delete: str, params, column: str) -> int:
    """Run a `delete ... returning ledger_file_id` and add the rows removed per file to
    ledger.files.<column>; returns how many rows went."""
    per_file: dict[int, int] = {}
    for (fid,) in conn.execute(delete, params):
        per_file[fid] = per_file.get(fid, 0) + 1
    if per_file:
        conn.execute(
            sql.SQL(
                "update ledger.files as f set {col} = f.{col} + w.n "
                "from unnest(%s::bigint[], %s::bigint[]) as w (file_id, n) "
                "where f.file_id = w.file_id"
            ).format(col=sql.Identifier(column)),
            (list(per_file), list(per_file.values())),
        )
    return sum(per_file.values())


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
        f"update ledger.files set path = {WITHDRAWN_PATH_SQL} where path ~ %s", (pattern,)
    ).rowcount
    if n:
        removed["ledger.files (path redacted)"] = n


def remove_from_quarantine(
    conn: psycopg.Connection,
    s: Subject,
    pseudonymiser: Pseudonymiser,
    removed: dict[str, int],
    files: set[int],
) -> None:
    """Delete quarantined raw lines that belong to the participant.

    Only the pseudonym is known after loading, so a line is matched by its referral id or
    platekey, or by hashing every NHS-number-shaped token in it with the same key. The
    ledger ids of the files those lines came from are added to `files`.
    """
    matches = line_matcher(s, pseudonymiser)
    doomed = []
    with conn.cursor(name="withdraw_quarantine_scan") as cur:
        cur.execute("select ctid::text, ledger_file_id, raw_line from quarantine.rows")
        for ctid, file_id, line in cur:
            if matches(line):
                doomed.append(ctid)
                files.add(file_id)
    if doomed:
        removed["quarantine.rows"] = _count_withdrawn(
            conn,
            "delete from quarantine.rows where ctid = any(%s::tid[]) returning ledger_file_id",
            (doomed,),
            "quarantined_withdrawn",
        )


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
