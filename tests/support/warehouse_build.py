"""Build a real warehouse from a simulated programme, the way the nightly pipeline does.

Shared by the tests that check the warehouse against the simulator's ground truth: simulate
→ `gwh db init` → load every feed → summarise and tier every genome → `dbt build` →
promote the reporting layer. Each step is the same public entry point the CLI and the DAGs
use, so a test passing here says the product works, not a test double.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from gwh.cli import main as gwh
from loaders.ingest.runner import load_landing
from warehouse import db
from warehouse.dbt_runner import run_dbt
from warehouse.promote import promote_reporting


@dataclass(frozen=True)
class BuiltWarehouse:
    url: str
    landing: Path
    truth: Path

    def cohort(self) -> dict:
        return json.loads((self.truth / "cohort.json").read_text())


def simulate(out: Path, participants: int, seed: int, nights: int, defects: float = 0.0):
    from simulator.simulate import simulate as run_simulation

    return run_simulation(
        out, participants=participants, seed=seed, nights=nights, defects=defects, progress=False
    )


def load_and_tier(url: str, landing: Path) -> None:
    """Load every complete delivery, summarise and tier every new genome, then re-tier the
    stored candidates against the newest panels (what the reanalysis DAG does when a new
    PanelApp snapshot arrives), so that night-by-night equals all-at-once."""
    import psycopg

    from loaders.genomes import panels_from_db, retier_all

    db.init_db(url)
    load_landing(landing, url)
    assert gwh(["variants", "load", str(landing), "--url", url]) == 0
    with psycopg.connect(url) as conn:
        panels = panels_from_db(conn)
    retier_all(url, panels)


def build(url: str, *, full_refresh: bool = False, tests: bool = True) -> None:
    """dbt build (seeds, models, snapshot and, unless tests=False, tests), then promote."""
    import psycopg

    args = ["build", "--quiet"]
    if full_refresh:
        args.append("--full-refresh")
    if not tests:
        args += ["--exclude-resource-type", "test", "unit_test"]
    run_dbt(args, url)
    with psycopg.connect(url) as conn:
        promote_reporting(conn)


def table_digests(
    url: str,
    schemas: tuple[str, ...],
    *,
    skip_columns: frozenset[str] = frozenset(),
    skip_table: Callable[[str], bool] = lambda name: False,
) -> dict[str, str]:
    """Per base table of `schemas`: "row count:md5 of its rows (ordered)", leaving out
    timestamp columns and `skip_columns` (what depends on when, not what, was loaded or
    built) and the tables `skip_table` names. Two states with equal digests hold the same
    content."""
    out = {}
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1, 2",
            (list(schemas),),
        ).fetchall()
        for schema, table in tables:
            if skip_table(table):
                continue
            cols = [
                c
                for (c,) in conn.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s and data_type not like "
                    "'timestamp%%' order by ordinal_position",
                    (schema, table),
                )
                if c not in skip_columns
            ]
            row = sql.SQL("row({})::text").format(sql.SQL(", ").join(map(sql.Identifier, cols)))
            q = sql.SQL(
                "select count(*), md5(coalesce(string_agg(r, '|' order by r), '')) "
                "from (select {} as r from {}.{}) t"
            ).format(row, sql.Identifier(schema), sql.Identifier(table))
            n, digest = conn.execute(q).fetchone()
            out[f"{schema}.{table}"] = f"{n}:{digest}"
    return out
