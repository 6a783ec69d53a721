"""A `no_further_use` withdrawal reaches every release still held.

A published release never changes, except here: the participant's rows go from every
table of every release (and with a proband, their family's family-level rows), pedigree
links to them are cut, and each release touched gets one amendment row (counts only).
Runs inside the withdrawal's own transaction, so the audit row, the warehouse and the
releases change together or not at all.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from governance.releases.ids import family_ids_of, participant_ids_of

REASON = "no_further_use consent withdrawal"


def _release_schemas(conn: psycopg.Connection) -> list[tuple[int, str]]:
    """Every release held: the published ones and a cut not yet published."""
    exists = conn.execute("select to_regclass('release_admin.releases')").fetchone()[0]
    if exists is None:
        return []
    rows = conn.execute(
        "select version, schema_name from release_admin.releases order by version"
    ).fetchall()
    return [(v, s) for v, s in rows]


def _columns(conn: psycopg.Connection, schema: str, name: str) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.columns "
        "where table_schema = %s and column_name = %s order by 1",
        (schema, name),
    ).fetchall()
    return [r[0] for r in rows]


def remove_from_releases(
    conn: psycopg.Connection, referral_ids: set[str], proband_families: set[str]
) -> dict[str, int]:
    """Delete one withdrawn participant from every release; returns rows removed per
    `schema.table`. Writes an amendment row for each release that held them."""
    pids = participant_ids_of(conn, referral_ids)
    fids = family_ids_of(conn, proband_families)
    removed: dict[str, int] = {}
    if not pids:
        return removed
    for version, schema in _release_schemas(conn):
        held = conn.execute(
            sql.SQL("select count(*) from {} where participant_id = any(%s)").format(
                sql.Identifier(schema, "participant")
            ),
            (pids,),
        ).fetchone()[0]
        rows = 0
        for table in _columns(conn, schema, "participant_id"):
            n = conn.execute(
                sql.SQL("delete from {} where participant_id = any(%s)").format(
                    sql.Identifier(schema, table)
                ),
                (pids,),
            ).rowcount
            if n:
                removed[f"{schema}.{table}"] = n
                rows += n
        for table in ("mother_id", "father_id"):
            for t in _columns(conn, schema, table):
                conn.execute(
                    sql.SQL("update {} set {} = null where {} = any(%s)").format(
                        sql.Identifier(schema, t), sql.Identifier(table), sql.Identifier(table)
                    ),
                    (pids,),
                )
        if fids:
            n = conn.execute(
                sql.SQL("delete from {} where rare_diseases_family_id = any(%s)").format(
                    sql.Identifier(schema, "rare_diseases_family")
                ),
                (fids,),
            ).rowcount
            if n:
                removed[f"{schema}.rare_diseases_family"] = n
                rows += n
        if rows:
            conn.execute(
                "insert into release_admin.amendments (version, reason, participants_removed, "
                "rows_removed) values (%s, %s, %s, %s)",
                (version, REASON, held, rows),
            )
    return removed
