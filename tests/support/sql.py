"""One query against a test warehouse, for assertions: a connection per call, so a test never
reads through a transaction another step of it left open."""

from __future__ import annotations

import psycopg


def q(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Every row `sql` returns on the database at `url`."""
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()
