"""The SQL disclosure-control macro agrees with governance.disclosure on every value 0..2000."""

from __future__ import annotations

import psycopg

from governance.disclosure import suppress_count
from warehouse.dbt_runner import run_dbt


def test_sql_macro_matches_python_rule(warehouse_url: str, tmp_path) -> None:
    inline = "select n, {{ disclosure_control('n') }} as shown from generate_series(0, 2000) as n"
    result = run_dbt(
        ["compile", "--inline", inline, "--quiet"], warehouse_url, target_path=tmp_path
    )
    compiled = result.result.results[0].node.compiled_code
    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute(compiled).fetchall()
    assert len(rows) == 2001
    mismatches = [(n, shown) for n, shown in rows if shown != suppress_count(n)]
    assert mismatches == []
