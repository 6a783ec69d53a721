"""Promotion of reporting_build into reporting: atomic, replaces, refuses an empty build."""

from __future__ import annotations

import psycopg
import pytest

from warehouse.promote import promote_reporting


def test_promote_moves_and_replaces(warehouse_url: str) -> None:
    with psycopg.connect(warehouse_url) as conn:
        conn.execute("create table reporting_build.rpt_a as select 10 as n")
        conn.execute("create table reporting.rpt_a as select 5 as n")
        conn.commit()
        result = promote_reporting(conn)
        assert result.tables == ["rpt_a"] and result.replaced == ["rpt_a"]
        assert conn.execute("select n from reporting.rpt_a").fetchall() == [(10,)]
        left = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'reporting_build'"
        ).fetchone()[0]
        assert left == 0
        # Nothing built: refused, and the published table stays.
        with pytest.raises(RuntimeError, match="nothing to promote"):
            promote_reporting(conn)
        assert conn.execute("select n from reporting.rpt_a").fetchall() == [(10,)]
        conn.execute("drop table reporting.rpt_a")
        conn.commit()
