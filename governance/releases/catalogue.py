"""The catalogue of releases: what each holds, what changed since the one before, and
what was amended after it was published. Counts and names only, never a participant."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql


@dataclass
class TableChange:
    table: str
    rows_before: int | None
    rows_after: int | None
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)


@dataclass
class Diff:
    """Release `old` → release `new`: per table rows and columns, participants in and out."""

    old: int
    new: int
    tables: list[TableChange]
    participants_added: int
    participants_removed: int
    participants_kept: int


@dataclass
class Notes:
    version: int
    schema: str
    cut_at: str
    night_of: str | None
    participants: int
    checksum: str
    rows: dict[str, int]
    since: Diff | None
    amendments: list[dict]


def releases(conn: psycopg.Connection) -> list[dict]:
    cur = conn.execute(
        "select r.version, r.schema_name, r.cut_at, r.night_of, r.participants, "
        "r.checksum, r.cut_seconds, r.bytes, "
        "(select count(*) from release_admin.amendments a where a.version = r.version) "
        "as amendments, "
        "(r.version = (select max(version) from release_admin.releases)) as latest "
        "from release_admin.releases r order by r.version"
    )
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _require(conn: psycopg.Connection, version: int) -> str:
    row = conn.execute(
        "select schema_name from release_admin.releases where version = %s", (version,)
    ).fetchone()
    if row is None:
        raise LookupError(f"no published release {version} (gwh release list shows them)")
    return row[0]


def _table_columns(conn: psycopg.Connection, version: int) -> dict[str, tuple[int, list[str]]]:
    rows = conn.execute(
        "select table_name, row_count, columns from release_admin.release_tables "
        "where version = %s",
        (version,),
    ).fetchall()
    return {t: (n, list(cols)) for t, n, cols in rows}


def _participants(conn: psycopg.Connection, schema: str) -> set[int]:
    rows = conn.execute(
        sql.SQL("select participant_id from {}").format(sql.Identifier(schema, "participant"))
    ).fetchall()
    return {r[0] for r in rows}


def diff(conn: psycopg.Connection, old: int, new: int) -> Diff:
    """What changed from release `old` to release `new` (as they are held now)."""
    old_schema, new_schema = _require(conn, old), _require(conn, new)
    before, after = _table_columns(conn, old), _table_columns(conn, new)
    changes = []
    for t in sorted(set(before) | set(after)):
        b_rows, b_cols = before.get(t, (None, []))
        a_rows, a_cols = after.get(t, (None, []))
        # rows as held now (a withdrawal may have amended either release since its cut)
        if t in before:
            b_rows = _count(conn, old_schema, t)
        if t in after:
            a_rows = _count(conn, new_schema, t)
        changes.append(
            TableChange(
                t,
                b_rows,
                a_rows,
                [c for c in a_cols if c not in b_cols] if t in before else [],
                [c for c in b_cols if c not in a_cols] if t in after else [],
            )
        )
    p_old, p_new = _participants(conn, old_schema), _participants(conn, new_schema)
    return Diff(
        old=old,
        new=new,
        tables=changes,
        participants_added=len(p_new - p_old),
        participants_removed=len(p_old - p_new),
        participants_kept=len(p_old & p_new),
    )


def _count(conn: psycopg.Connection, schema: str, table: str) -> int:
    (n,) = conn.execute(
        sql.SQL("select count(*) from {}").format(sql.Identifier(schema, table))
    ).fetchone()
    return int(n)


def write_notes(conn: psycopg.Connection, version: int) -> None:
    """Store release `version`'s notes against the release before it (inside publish)."""
    (previous,) = conn.execute(
        "select max(version) from release_admin.releases where version < %s", (version,)
    ).fetchone()
    rows = _table_columns(conn, version)
    if previous is None:
        for t, (n, _) in sorted(rows.items()):
            conn.execute(
                "insert into release_admin.release_notes (version, section, table_name, item, "
                "value) values (%s, 'rows', %s, 'rows', %s)",
                (version, t, n),
            )
        return
    d = diff(conn, previous, version)
    for ch in d.tables:
        conn.execute(
            "insert into release_admin.release_notes (version, section, table_name, item, "
            "value, previous) values (%s, 'rows', %s, 'rows', %s, %s)",
            (version, ch.table, ch.rows_after, ch.rows_before),
        )
        for col in ch.columns_added:
            conn.execute(
                "insert into release_admin.release_notes (version, section, table_name, item) "
                "values (%s, 'columns added', %s, %s)",
                (version, ch.table, col),
            )
        for col in ch.columns_removed:
            conn.execute(
                "insert into release_admin.release_notes (version, section, table_name, item) "
                "values (%s, 'columns removed', %s, %s)",
                (version, ch.table, col),
            )
    for item, value in (
        ("added", d.participants_added),
        ("removed", d.participants_removed),
        ("kept", d.participants_kept),
    ):
        conn.execute(
            "insert into release_admin.release_notes (version, section, item, value, previous) "
            "values (%s, 'participants', %s, %s, %s)",
            (version, item, value, previous),
        )


def notes(conn: psycopg.Connection, version: int) -> Notes:
    """Release `version`'s stored notes (as at its cut) and its amendment log since."""
    schema = _require(conn, version)
    head = conn.execute(
        "select cut_at::text, night_of::text, participants, checksum "
        "from release_admin.releases where version = %s",
        (version,),
    ).fetchone()
    rows = {t: n for t, (n, _) in _table_columns(conn, version).items()}
    stored = conn.execute(
        "select section, table_name, item, value, previous from release_admin.release_notes "
        "where version = %s order by section, table_name, item",
        (version,),
    ).fetchall()
    since = None
    previous = next((p for s, _, _, _, p in stored if s == "participants"), None)
    if previous is not None:
        tables: dict[str, TableChange] = {}
        participants = {}
        for section, table, item, value, prev in stored:
            if section == "rows":
                tables[table] = TableChange(table, prev, value)
            elif section == "columns added":
                tables.setdefault(table, TableChange(table, None, None)).columns_added.append(item)
            elif section == "columns removed":
                tables.setdefault(table, TableChange(table, None, None)).columns_removed.append(
                    item
                )
            elif section == "participants":
                participants[item] = value
        since = Diff(
            old=previous,
            new=version,
            tables=[tables[t] for t in sorted(tables)],
            participants_added=participants.get("added", 0),
            participants_removed=participants.get("removed", 0),
            participants_kept=participants.get("kept", 0),
        )
    cur = conn.execute(
        "select amended_at::text, reason, participants_removed, rows_removed "
        "from release_admin.amendments where version = %s order by amendment_id",
        (version,),
    )
    names = [d.name for d in cur.description]
    amendments = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return Notes(
        version=version,
        schema=schema,
        cut_at=head[0],
        night_of=head[1],
        participants=head[2],
        checksum=head[3],
        rows=rows,
        since=since,
        amendments=amendments,
    )
