"""Warehouse roles and the reporting layer's row-level security.

The roles themselves are created by `warehouse/sql/090_roles.sql` (applied by `gwh db init`);
this module names them for code and tests, and secures the reporting tables each time
warehouse.promote publishes them. Reporting tables are dropped and recreated on every
promotion, so their grants and policies cannot be set once at init: they are re-applied
inside the promotion transaction, so a table is never visible in `reporting` without them.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

LOADER = "gwh_loader"
TRANSFORMER = "gwh_transformer"
ANALYST = "gwh_analyst"
REPORTING = "gwh_reporting"
#: Reads the published research releases only (warehouse/sql/100_releases.sql).
RESEARCHER = "gwh_researcher"

#: The 13 Genomic Medicine Centre codes of domain.md.
GMC_CODES: tuple[str, ...] = (
    "EOE", "GMA", "ICH", "NEC", "NWC", "OXF", "SLO", "SWP", "UCL", "WES", "WMI", "YAH", "WOE",
)  # fmt: skip


def gmc_role(code: str) -> str:
    """The reporting role of one GMC, e.g. `gwh_gmc_eoe`."""
    if code.upper() not in GMC_CODES:
        raise ValueError(f"unknown GMC code {code!r} (domain.md lists {', '.join(GMC_CODES)})")
    return f"gwh_gmc_{code.lower()}"


GMC_ROLES: tuple[str, ...] = tuple(gmc_role(c) for c in GMC_CODES)
ALL_ROLES: tuple[str, ...] = (LOADER, TRANSFORMER, ANALYST, REPORTING, RESEARCHER, *GMC_ROLES)


def has_gmc_code(conn: psycopg.Connection, schema: str, table: str) -> bool:
    row = conn.execute(
        "select 1 from information_schema.columns "
        "where table_schema = %s and table_name = %s and column_name = 'gmc_code'",
        (schema, table),
    ).fetchone()
    return row is not None


def secure_reporting_table(conn: psycopg.Connection, schema: str, table: str) -> bool:
    """Grant one reporting table to the reporting roles; returns True when it got RLS.

    Every table: SELECT to gwh_reporting, ALL to gwh_transformer (which rebuilds it).
    A table with a `gmc_code` column additionally gets row-level security with one policy
    per GMC role (`gmc_code = '<CODE>'`, so programme-total rows such as 'ALL' are not theirs)
    and an all-rows policy for gwh_reporting and gwh_transformer; tables without gmc_code
    are not granted to GMC roles at all, because a GMC must see its own rows only.
    FORCE is set so the rule also binds the table owner unless it is a superuser.
    """
    ident = sql.Identifier(schema, table)
    conn.execute(sql.SQL("revoke all on {} from public").format(ident))
    conn.execute(sql.SQL("grant select on {} to {}").format(ident, sql.Identifier(REPORTING)))
    conn.execute(sql.SQL("grant all on {} to {}").format(ident, sql.Identifier(TRANSFORMER)))
    if not has_gmc_code(conn, schema, table):
        return False
    conn.execute(sql.SQL("alter table {} enable row level security").format(ident))
    conn.execute(sql.SQL("alter table {} force row level security").format(ident))
    for policy in ("all_rows", *(f"own_gmc_{c.lower()}" for c in GMC_CODES)):
        conn.execute(
            sql.SQL("drop policy if exists {} on {}").format(sql.Identifier(policy), ident)
        )
    conn.execute(
        sql.SQL("create policy all_rows on {} for all to {}, {} using (true)").format(
            ident, sql.Identifier(REPORTING), sql.Identifier(TRANSFORMER)
        )
    )
    for code in GMC_CODES:
        role = sql.Identifier(gmc_role(code))
        conn.execute(
            sql.SQL("create policy {} on {} for select to {} using (gmc_code = {})").format(
                sql.Identifier(f"own_gmc_{code.lower()}"), ident, role, sql.Literal(code)
            )
        )
        conn.execute(sql.SQL("grant select on {} to {}").format(ident, role))
    return True
