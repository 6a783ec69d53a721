"""The dbt warehouse against the simulator's ground truth, on real PostgreSQL.

A programme is simulated with a known seed, loaded, tiered and built with `dbt build`; the
marts must reproduce the figures the simulator computed independently from its own model:
participants per GMC, families solved, planted variants with their tiers, and admissions
per proband before and after the result. Incremental builds must equal a full refresh.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from support.sql import q
from support.warehouse_build import BuiltWarehouse, build, load_and_tier, simulate

from quality.expectations.marts import is_published_count
from warehouse import db
from warehouse.dbt_runner import run_dbt

pytestmark = pytest.mark.e2e

SEED = 11
PARTICIPANTS = 150
NIGHTS = 3


@pytest.fixture(scope="module")
def warehouse(
    pg_server: db.ServerChoice, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltWarehouse]:
    out = tmp_path_factory.mktemp("programme")
    simulate(out, PARTICIPANTS, SEED, NIGHTS)
    url = db.with_database(pg_server.url, f"gwh_test_dbt_{SEED}_{out.name[-6:]}")
    db.drop_database(url)
    db.ensure_database(url)
    try:
        load_and_tier(url, out / "landing")
        build(url)
        yield BuiltWarehouse(url, out / "landing", out / "ground_truth")
    finally:
        db.drop_database(url)


def _delivered_csv(landing: Path, pattern: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(landing.glob(pattern)):
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def _withdrawn_no_further_use(landing: Path) -> set[str]:
    return {
        r["referral_id"]
        for r in _delivered_csv(landing, "withdrawals/*/withdrawals.csv")
        if r["withdrawal_option"] == "no_further_use"
    }


def test_participants_per_gmc_equal_ground_truth(warehouse: BuiltWarehouse) -> None:
    expected = {g: f["active"] for g, f in warehouse.cohort()["participants_per_gmc"].items()}
    got = dict(q(warehouse.url, "select gmc_code, count(*) from marts.dim_participant group by 1"))
    assert {g: got.get(g, 0) for g in expected} == expected
    assert set(got) <= set(expected)


def test_families_solved_equal_ground_truth(warehouse: BuiltWarehouse) -> None:
    # The oracle counts every delivered 'yes'; the warehouse drops families whose proband
    # withdrew with no_further_use, so take those out of the oracle explicitly.
    withdrawn = _withdrawn_no_further_use(warehouse.landing)
    solved_withdrawn = {
        r["family_id"]
        for r in _delivered_csv(warehouse.landing, "results/*/*/exit_questionnaires.csv")
        if r["case_solved"] == "yes" and r["referral_id"] in withdrawn
    }
    expected = warehouse.cohort()["families_solved"] - len(solved_withdrawn)
    (got,) = q(warehouse.url, "select count(*) from marts.fct_case_outcome where is_solved")[0]
    assert got == expected


def _latest_expected_tiers(truth: Path, excluded: set[str]) -> dict[tuple, int | None]:
    """(family, chrom, pos, ref, alt) -> best expected tier at each panel's latest version."""
    latest: dict[tuple, tuple[tuple[int, ...], int | None]] = {}
    with (truth / "planted_variants.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["proband_referral_id"] in excluded:
                continue
            variant = (r["family_id"], r["chrom"], int(r["pos"]), r["ref"], r["alt"])
            version = tuple(int(x) for x in r["panel_version"].split("."))
            tier = int(r["expected_tier"]) if r["expected_tier"] else None
            key = (*variant, r["panel_id"])
            if key not in latest or version > latest[key][0]:
                latest[key] = (version, tier)
    best: dict[tuple, int | None] = {}
    for key, (_, tier) in latest.items():
        variant = key[:5]
        current = best.get(variant)
        if tier is not None and (current is None or tier < current):
            best[variant] = tier
        else:
            best.setdefault(variant, current)
    return best


def test_planted_variants_tiered_as_ground_truth(warehouse: BuiltWarehouse) -> None:
    expected = _latest_expected_tiers(warehouse.truth, _withdrawn_no_further_use(warehouse.landing))
    assert any(t in (1, 2) for t in expected.values()), "simulation planted no Tier 1/2 variant"
    got = {
        (f, c, p, r, a): t
        for f, c, p, r, a, t in q(
            warehouse.url,
            "select family_id, chrom, pos, ref, alt, tier from marts.fct_tiered_variant",
        )
    }
    for variant, tier in expected.items():
        if tier is not None:
            assert got.get(variant) == tier, f"planted {variant}: expected tier {tier}"
    # No Tier 1 or 2 the ground truth does not make Tier 1 or 2.
    unexpected = {v: t for v, t in got.items() if t in (1, 2) and expected.get(v) != t}
    assert unexpected == {}


def test_admissions_before_and_after_result_equal_ground_truth(
    warehouse: BuiltWarehouse,
) -> None:
    withdrawn = _withdrawn_no_further_use(warehouse.landing)
    expected = {
        rid: (fig["before"], fig["after"])
        for rid, fig in warehouse.cohort()["admissions"].items()
        if rid not in withdrawn
    }
    rows = q(
        warehouse.url,
        "select referral_id, "
        "sum(admissions) filter (where window_name = 'all_before'), "
        "sum(admissions) filter (where window_name = 'all_after') "
        "from marts.fct_outcome_window group by referral_id",
    )
    got = {rid: (int(b), int(a)) for rid, b, a in rows}
    assert got == expected


def test_no_reporting_count_between_one_and_seven(warehouse: BuiltWarehouse) -> None:
    columns = q(
        warehouse.url,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'reporting' and data_type in ('integer', 'bigint', 'smallint')",
    )
    assert columns, "no reporting tables were promoted"
    counts = [(t, c) for t, c in columns if is_published_count(t, c)]
    assert len(counts) > 20, "the rule must apply to the reporting tables' counts"
    with psycopg.connect(warehouse.url) as conn:
        for table, column in counts:
            (bad,) = conn.execute(
                f'select count(*) from reporting."{table}" where "{column}" between 1 and 7'
            ).fetchone()
            assert bad == 0, f"reporting.{table}.{column} holds a count from 1 to 7"


def test_every_model_documents_exactly_the_columns_it_builds(
    warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """Each model's (and the snapshot's and seed's) yml lists every column of the relation
    the build made, in its order, each with a description: a column added to the SQL and not
    to the docs, or documented but gone, fails here."""
    run_dbt(["parse", "--quiet"], warehouse.url, target_path=tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    # ephemeral models are CTEs inside the models that use them, never a relation
    nodes = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "snapshot", "seed")
        and n["config"].get("materialized") != "ephemeral"
    ]
    assert len(nodes) > 60
    mismatched = {}
    with psycopg.connect(warehouse.url) as conn:
        for node in nodes:
            # reporting models are built into reporting_build, then promoted into reporting
            schema = "reporting" if node["schema"] == "reporting_build" else node["schema"]
            built = [
                c
                for (c,) in conn.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, node["alias"]),
                )
            ]
            documented = list(node["columns"])
            undescribed = [c for c, v in node["columns"].items() if not v["description"].strip()]
            if not built or built != documented or undescribed or not node["description"].strip():
                mismatched[node["name"]] = {"built": built, "documented": documented}
    assert mismatched == {}


def _incremental_models() -> list[str]:
    """Every incremental model of the project, schema-qualified, read from dbt's manifest."""
    manifest = json.loads(Path("dbt/target/manifest.json").read_text())
    return sorted(
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    )


def _checksum(url: str, table: str, *, portable: bool = False) -> str:
    """Digest of a table's rows; `portable` leaves out ledger file ids, which number the
    files in the order one database loaded them, to compare two databases' builds."""
    schema, name = table.split(".")
    columns = [
        r[0]
        for r in q(
            url,
            "select column_name from information_schema.columns"
            " where table_schema = %s and table_name = %s order by ordinal_position",
            (schema, name),
        )
        if not (portable and r[0].endswith("ledger_file_id"))
    ]
    listed = ", ".join(f'"{c}"' for c in columns)
    rows = q(url, f"select row({listed})::text as r from {table} order by 1")
    return hashlib.sha256("\n".join(r[0] for r in rows).encode()).hexdigest()


def test_incremental_build_equals_full_refresh(
    warehouse: BuiltWarehouse, pg_server: db.ServerChoice, tmp_path: Path
) -> None:
    """Night by night with incremental models, then a full refresh: identical tables.

    Every incremental model is compared (HES episodes and spells, timelines, variant facts),
    so a model made incremental without a correct delta is caught here.
    """
    tables = _incremental_models()
    assert len(tables) >= 8, tables
    nights = warehouse.cohort()["nights"]
    partial = tmp_path / "landing"
    url = db.with_database(pg_server.url, f"gwh_test_incr_{tmp_path.name[-8:]}")
    db.drop_database(url)
    db.ensure_database(url)
    try:
        for night in nights:
            # the deliveries of this night (and of its month, for monthly feeds) arrive
            for marker in warehouse.landing.rglob("_SUCCESS"):
                delivery = marker.parent
                target = partial / delivery.relative_to(warehouse.landing)
                if delivery.name <= night and not target.exists():
                    shutil.copytree(delivery, target)
            load_and_tier(url, partial)
            build(url, tests=False)
        incremental = {t: _checksum(url, t) for t in tables}
        build(url, full_refresh=True, tests=False)
        refreshed = {t: _checksum(url, t) for t in tables}
        assert {t for t in tables if incremental[t] != refreshed[t]} == set()
        # And the same as building everything at once (in a database that numbered its
        # ledger files in another order).
        portable = {t: _checksum(url, t, portable=True) for t in tables}
        at_once = {t: _checksum(warehouse.url, t, portable=True) for t in tables}
        assert {t for t in tables if portable[t] != at_once[t]} == set()
    finally:
        db.drop_database(url)
