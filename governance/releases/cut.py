"""Cutting and publishing a release.

The release layer is dbt views in `release_build` over the marts. A cut copies every one
of them into tables of `release_vN` inside ONE repeatable-read transaction that first
takes ACCESS SHARE locks on those views (PostgreSQL locks what a view reads, recursively,
so every mart and id table under them): all tables of a release come from the same
snapshot, and a night's dbt build cannot drop a mart from under the cut. Copying views
rather than having dbt build tables straight into `release_vN` is what buys that: dbt runs
one transaction per model, so tables it built directly could straddle a night.

The cut is not yet a release: the caller checks its data quality (quality/, a layer above)
and only then calls `publish`, which grants it to researchers, writes its catalogue row and
notes, and points `release_latest` at it, again in one transaction. `discard` drops a cut
that failed its checks, so the previous release stays the latest.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg import sql

from governance.disclosure import suppress_count
from governance.releases.ids import assign_ids
from warehouse.roles import RESEARCHER, secure_reporting_table

log = logging.getLogger(__name__)

BUILD_SCHEMA = "release_build"
LATEST_SCHEMA = "release_latest"

#: The dashboard's pipeline section shows the newest release from this reporting table,
#: written by `publish` (dbt's reporting layer is built before a night's release is cut).
DASHBOARD_TABLE = "rpt_dashboard_latest_release"
LOCK = "gwh release"

#: LabKey SQL functions that published queries call, as PostgreSQL functions of the same
#: names. Each release schema (and release_latest) gets them, so `SET search_path` to a
#: release makes `year(date)`, `year(timestamp)` and `curdate()` work unchanged.
LABKEY_FUNCTIONS = (
    "create or replace function {s}.year(date) returns integer language sql immutable "
    "parallel safe as 'select extract(year from $1)::integer'",
    "create or replace function {s}.year(timestamp) returns integer language sql immutable "
    "parallel safe as 'select extract(year from $1)::integer'",
    "create or replace function {s}.year(timestamptz) returns integer language sql stable "
    "parallel safe as 'select extract(year from $1)::integer'",
    "create or replace function {s}.curdate() returns date language sql stable "
    "parallel safe as 'select current_date'",
)


def schema_of(version: int) -> str:
    return f"release_v{version}"


@dataclass(frozen=True)
class Cut:
    """A release cut but not yet published."""

    version: int
    schema: str
    tables: dict[str, int]  # table -> rows
    participants: int
    night_of: date | None
    reporting_built_at: datetime | None
    new_participant_ids: int
    seconds: float


def build_views(conn: psycopg.Connection) -> list[str]:
    """The release views dbt built (the release's tables-to-be), in name order."""
    rows = conn.execute(
        "select table_name from information_schema.views where table_schema = %s order by 1",
        (BUILD_SCHEMA,),
    ).fetchall()
    return [r[0] for r in rows]


def published_versions(conn: psycopg.Connection) -> list[int]:
    rows = conn.execute("select version from release_admin.releases order by version").fetchall()
    return [r[0] for r in rows]


def next_version(conn: psycopg.Connection) -> int:
    """One more than the newest published release (a discarded cut's number is reused)."""
    (n,) = conn.execute(
        "select coalesce(max(version), 0) + 1 from release_admin.releases"
    ).fetchone()
    return int(n)


def _promoted_night(conn: psycopg.Connection) -> tuple[date | None, datetime | None]:
    """The night whose promoted reporting layer the marts correspond to (None before any)."""
    exists = conn.execute(
        "select 1 from information_schema.tables "
        "where table_schema = 'reporting' and table_name = 'rpt_dashboard_pipeline_status'"
    ).fetchone()
    if not exists:
        return None, None
    row = conn.execute(
        "select last_successful_night, reporting_built_at "
        "from reporting.rpt_dashboard_pipeline_status"
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _copy_comments(
    conn: psycopg.Connection, source: str, target: str, name: str, kind: str = "table"
) -> None:
    """The dbt docs persisted on the build view become the release table's COMMENTs."""
    table_comment = conn.execute(
        "select obj_description(to_regclass(%s), 'pg_class')", (f'"{source}"."{name}"',)
    ).fetchone()[0]
    if table_comment:
        conn.execute(
            sql.SQL("comment on {} {} is {}").format(
                sql.SQL(kind), sql.Identifier(target, name), sql.Literal(table_comment)
            )
        )
    cols = conn.execute(
        "select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute a "
        "where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped",
        (f'"{source}"."{name}"',),
    ).fetchall()
    for col, comment in cols:
        if comment:
            conn.execute(
                sql.SQL("comment on column {} is {}").format(
                    sql.Identifier(target, name, col), sql.Literal(comment)
                )
            )


def cut(conn: psycopg.Connection, version: int | None = None) -> Cut:
    """Materialise the release views into `release_vN` from one snapshot (not published).

    `conn` must be in autocommit mode outside any transaction: the cut opens its own
    repeatable-read transaction so that its snapshot is taken after its locks.
    """
    started = time.perf_counter()
    conn.execute("select pg_advisory_lock(hashtext(%s))", (LOCK,))
    try:
        views = build_views(conn)
        if not views:
            raise RuntimeError(
                f"nothing to cut: schema {BUILD_SCHEMA} has no views "
                "(dbt run --select release first)"
            )
        version = version or next_version(conn)
        schema = schema_of(version)
        if version in published_versions(conn):
            raise RuntimeError(f"{schema} is published: a release is never overwritten")
        # A schema of that name without a catalogue row is a cut that was never published
        # (its checks failed or the process died before publishing): nobody can read it.
        conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
        conn.execute("begin isolation level repeatable read")
        try:
            # Locks before the first snapshot-taking statement: the snapshot then sees the
            # marts as they were when nothing could change them any more.
            conn.execute(
                sql.SQL("lock table {} in access share mode").format(
                    sql.SQL(", ").join(sql.Identifier(BUILD_SCHEMA, v) for v in views)
                )
            )
            new_ids, _ = assign_ids(conn)
            night, built_at = _promoted_night(conn)
            conn.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
            conn.execute(
                sql.SQL("revoke all on schema {} from public").format(sql.Identifier(schema))
            )
            tables: dict[str, int] = {}
            for view in views:
                tables[view] = conn.execute(
                    sql.SQL("create table {} as select * from {}").format(
                        sql.Identifier(schema, view), sql.Identifier(BUILD_SCHEMA, view)
                    )
                ).rowcount
                _copy_comments(conn, BUILD_SCHEMA, schema, view)
            for statement in LABKEY_FUNCTIONS:
                conn.execute(statement.format(s=sql.Identifier(schema).as_string(conn)))
            conn.execute(
                sql.SQL("comment on schema {} is {}").format(
                    sql.Identifier(schema),
                    sql.Literal(
                        f"research data release {version}, cut from the night of {night} "
                        "(not yet published)"
                    ),
                )
            )
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise
    finally:
        conn.execute("select pg_advisory_unlock(hashtext(%s))", (LOCK,))
    result = Cut(
        version=version,
        schema=schema,
        tables=tables,
        participants=tables.get("participant", 0),
        night_of=night,
        reporting_built_at=built_at,
        new_participant_ids=new_ids,
        seconds=time.perf_counter() - started,
    )
    log.info("cut %s: %d tables, %d participants", schema, len(tables), result.participants)
    return result


def discard(conn: psycopg.Connection, c: Cut) -> None:
    """Drop a cut that will not be published (its data-quality checks failed)."""
    with conn.transaction():
        conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(c.schema)))


def checksum(conn: psycopg.Connection, schema: str, tables: list[str]) -> str:
    """md5 over every table's rows in a fixed order: equal checksums, equal content."""
    parts = []
    for t in sorted(tables):
        (digest,) = conn.execute(
            sql.SQL(
                "select md5(coalesce(string_agg(r, E'\\n' order by r), '')) "
                "from (select t::text as r from {} as t) as rows"
            ).format(sql.Identifier(schema, t))
        ).fetchone()
        parts.append(f"{t}:{digest}")
    (total,) = conn.execute("select md5(%s)", ("\n".join(parts),)).fetchone()
    return total


def schema_bytes(conn: psycopg.Connection, schema: str) -> int:
    (n,) = conn.execute(
        "select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relkind = 'r'",
        (schema,),
    ).fetchone()
    return int(n)


def _point_latest(conn: psycopg.Connection, schema: str, tables: list[str]) -> None:
    """release_latest: a view per table of the newest release, with its comments."""
    for (view,) in conn.execute(
        "select table_name from information_schema.views where table_schema = %s",
        (LATEST_SCHEMA,),
    ).fetchall():
        conn.execute(sql.SQL("drop view {}").format(sql.Identifier(LATEST_SCHEMA, view)))
    for t in tables:
        conn.execute(
            sql.SQL("create view {} as select * from {}").format(
                sql.Identifier(LATEST_SCHEMA, t), sql.Identifier(schema, t)
            )
        )
        _copy_comments(conn, schema, LATEST_SCHEMA, t, kind="view")
        conn.execute(
            sql.SQL("grant select on {} to {}").format(
                sql.Identifier(LATEST_SCHEMA, t), sql.Identifier(RESEARCHER)
            )
        )
    for statement in LABKEY_FUNCTIONS:
        conn.execute(statement.format(s=sql.Identifier(LATEST_SCHEMA).as_string(conn)))
    conn.execute(
        sql.SQL("comment on schema {} is {}").format(
            sql.Identifier(LATEST_SCHEMA),
            sql.Literal(f"views on the newest research data release ({schema})"),
        )
    )


def _show_on_dashboard(conn: psycopg.Connection, c: Cut) -> None:
    """One row for the dashboard: which release is newest, from which night (counts under
    the disclosure rule like every reporting figure)."""
    ident = sql.Identifier("reporting", DASHBOARD_TABLE)
    conn.execute(
        sql.SQL(
            "create table if not exists {} (version integer, schema_name text, night_of date, "
            "cut_at timestamptz, participants integer, tables integer)"
        ).format(ident)
    )
    conn.execute(sql.SQL("truncate {}").format(ident))
    conn.execute(
        sql.SQL(
            "insert into {} select version, schema_name, night_of, cut_at, %s, %s "
            "from release_admin.releases where version = %s"
        ).format(ident),
        (suppress_count(c.participants), len(c.tables), c.version),
    )
    secure_reporting_table(conn, "reporting", DASHBOARD_TABLE)


def publish(conn: psycopg.Connection, c: Cut) -> None:
    """Grant the cut to researchers, catalogue it with its notes, make it the latest."""
    from governance.releases.catalogue import write_notes

    tables = sorted(c.tables)
    digest = checksum(conn, c.schema, tables)
    size = schema_bytes(conn, c.schema)
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (LOCK,))
        ident = sql.Identifier(c.schema)
        conn.execute(
            sql.SQL("grant usage on schema {} to {}").format(ident, sql.Identifier(RESEARCHER))
        )
        conn.execute(
            sql.SQL("grant select on all tables in schema {} to {}").format(
                ident, sql.Identifier(RESEARCHER)
            )
        )
        conn.execute(
            sql.SQL("comment on schema {} is {}").format(
                ident,
                sql.Literal(
                    f"research data release {c.version}, cut from the night of {c.night_of}"
                ),
            )
        )
        conn.execute(
            "insert into release_admin.releases (version, schema_name, night_of, "
            "reporting_built_at, participants, checksum, cut_seconds, bytes) "
            "values (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                c.version,
                c.schema,
                c.night_of,
                c.reporting_built_at,
                c.participants,
                digest,
                c.seconds,
                size,
            ),
        )
        for t in tables:
            cols = [
                r[0]
                for r in conn.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s order by ordinal_position",
                    (c.schema, t),
                ).fetchall()
            ]
            conn.execute(
                "insert into release_admin.release_tables (version, table_name, row_count, "
                "columns) values (%s, %s, %s, %s)",
                (c.version, t, c.tables[t], cols),
            )
        write_notes(conn, c.version)
        _point_latest(conn, c.schema, tables)
        _show_on_dashboard(conn, c)
    log.info("published %s (%d bytes)", c.schema, size)
