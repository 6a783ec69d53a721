"""Promotion of the reporting layer: `reporting_build` → `reporting`, all or nothing.

dbt builds the reporting tables into `reporting_build`. Only when the night's critical
data-quality checks have passed are they moved into `reporting`, the schema dashboards and
reporting roles read, in one transaction: readers see either the previous night's complete
state or the new one, never a mix, and a failed night leaves the last good state untouched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg
from psycopg import sql

from warehouse.roles import secure_reporting_table

log = logging.getLogger(__name__)

BUILD_SCHEMA = "reporting_build"
PUBLISHED_SCHEMA = "reporting"


@dataclass(frozen=True)
class Promotion:
    tables: list[str]
    replaced: list[str]


def built_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables "
        "where table_schema = %s and table_type = 'BASE TABLE' order by table_name",
        (BUILD_SCHEMA,),
    ).fetchall()
    return [r[0] for r in rows]


def promote_reporting(conn: psycopg.Connection) -> Promotion:
    """Move every table of reporting_build into reporting, replacing older versions.

    Raises RuntimeError when there is nothing to promote (dbt did not build the layer):
    promoting an empty build would silently publish nothing.
    """
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('gwh promote reporting'))")
        tables = built_tables(conn)
        if not tables:
            raise RuntimeError(
                f"nothing to promote: schema {BUILD_SCHEMA} has no tables (run dbt build first)"
            )
        replaced = []
        for name in tables:
            exists = conn.execute(
                "select 1 from information_schema.tables "
                "where table_schema = %s and table_name = %s",
                (PUBLISHED_SCHEMA, name),
            ).fetchone()
            if exists:
                conn.execute(
                    sql.SQL("drop table {}.{} cascade").format(
                        sql.Identifier(PUBLISHED_SCHEMA), sql.Identifier(name)
                    )
                )
                replaced.append(name)
            conn.execute(
                sql.SQL("alter table {}.{} set schema {}").format(
                    sql.Identifier(BUILD_SCHEMA),
                    sql.Identifier(name),
                    sql.Identifier(PUBLISHED_SCHEMA),
                )
            )
            # grants and per-GMC row-level security, in this same transaction so a
            # published table is never readable without them (warehouse.roles).
            secure_reporting_table(conn, PUBLISHED_SCHEMA, name)
    log.info("promoted %d reporting tables (%d replaced)", len(tables), len(replaced))
    return Promotion(tables=tables, replaced=replaced)
