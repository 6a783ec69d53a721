"""Roles, row-level security, identifier leaks and disclosure control.

One real warehouse is built for the module the way operators run it: `gwh` sub-commands in
their own processes with debug logging (simulate with planted defects, so the error paths
that could echo identifiers run too → db init → load → withdraw → variants load → dbt build
→ promote), every byte of their stdout/stderr and dbt's log file kept. The tests then connect
to that warehouse and `SET ROLE` to each warehouse role on the real server (trust auth:
the session user is a superuser, SET ROLE drops to the role's privileges exactly).
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import errors, sql

from domain.nhs import is_valid
from warehouse import db
from warehouse.roles import (
    ALL_ROLES,
    ANALYST,
    GMC_CODES,
    GMC_ROLES,
    LOADER,
    REPORTING,
    TRANSFORMER,
    gmc_role,
)

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
SEED = 7
PARTICIPANTS = 80
NIGHTS = 3
DEFECTS = 0.02


@dataclass(frozen=True)
class Pipeline:
    url: str
    landing: Path
    truth: Path
    log_text: str


def _run(args: list[str], env: dict[str, str], log: list[str]) -> None:
    proc = subprocess.run(args, env=env, capture_output=True, text=True, cwd=REPO, timeout=600)
    log.append(proc.stdout)
    log.append(proc.stderr)
    if proc.returncode != 0:
        problems = [x for x in proc.stdout.splitlines() if "ERROR" in x or "FAIL" in x]
        pytest.fail(f"{args[1:4]} failed:\n" + "\n".join(problems[-30:]) + proc.stderr[-2000:])


@pytest.fixture(scope="module")
def pipeline(
    pg_server: db.ServerChoice, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    out = tmp_path_factory.mktemp("security")
    url = db.with_database(pg_server.url, f"gwh_test_sec_{os.getpid()}_{out.name[-4:]}")
    db.drop_database(url)
    env = {
        **os.environ,
        "WAREHOUSE_URL": url,
        "GWH_PSEUDONYM_KEY": "security-test-key",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    gwh = [sys.executable, "-m", "gwh.cli", "-v"]
    landing = out / "landing"
    log: list[str] = []
    try:
        _run(
            [*gwh, "simulate", "--out", str(out), "--participants", str(PARTICIPANTS)]
            + ["--seed", str(SEED), "--nights", str(NIGHTS), "--defects", str(DEFECTS)],
            env,
            log,
        )
        _run([*gwh, "db", "init"], env, log)
        _run([*gwh, "load", str(landing)], env, log)
        _run([*gwh, "withdraw", str(landing)], env, log)
        _run([*gwh, "variants", "load", str(landing)], env, log)
        dbt_logs = out / "dbt_logs"
        build = (
            "import logging, sys\n"
            "logging.basicConfig(level=logging.DEBUG)\n"
            "import psycopg\n"
            "from warehouse.dbt_runner import run_dbt\n"
            "from warehouse.promote import promote_reporting\n"
            f"run_dbt(['build', '--log-path', {str(dbt_logs)!r}, "
            f"'--target-path', {str(out / 'dbt_target')!r}], {url!r})\n"
            f"with psycopg.connect({url!r}) as c:\n"
            "    print(promote_reporting(c))\n"
        )
        _run([sys.executable, "-c", build], env, log)
        for f in dbt_logs.rglob("*"):
            if f.is_file():
                log.append(f.read_text(errors="replace"))
        yield Pipeline(url, landing, out / "ground_truth", "\n".join(log))
    finally:
        db.drop_database(url)


def _as(url: str, role: str, query: str | sql.Composable) -> list[tuple]:
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
        return conn.execute(query).fetchall()


def _denied(url: str, role: str, query: str) -> bool:
    try:
        _as(url, role, query)
    except errors.InsufficientPrivilege:
        return True
    return False


def _tables(url: str, schema: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = %s "
                "and table_type = 'BASE TABLE' order by 1",
                (schema,),
            )
        ]


def _with_gmc(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.columns "
                "where table_schema = 'reporting' and column_name = 'gmc_code'"
            )
        }


# --- roles ------------------------------------------------------------------------------


def test_roles_exist_and_cannot_log_in(pipeline: Pipeline) -> None:
    with psycopg.connect(pipeline.url) as conn:
        rows = dict(
            conn.execute(
                "select rolname, rolcanlogin from pg_roles where rolname = any(%s)",
                (list(ALL_ROLES),),
            ).fetchall()
        )
    assert set(rows) == set(ALL_ROLES)
    assert len(GMC_ROLES) == 13
    assert not any(rows.values()), "group roles must be NOLOGIN (LOGIN users are granted them)"


def test_analyst_reads_marts_only(pipeline: Pipeline) -> None:
    url = pipeline.url
    assert _as(url, ANALYST, "select count(*) from marts.dim_participant")[0][0] > 0
    assert _as(url, ANALYST, "select count(*) from marts.fct_hospital_episode")[0][0] > 0
    for query in (
        "select * from raw.referrals_participants limit 1",
        "select * from raw.hes_apc limit 1",
        "select * from quarantine.rows limit 1",
        "select * from quarantine.files limit 1",
        "select * from ledger.files limit 1",
        "select * from staging.stg_referrals__participants limit 1",
        "select * from snapshots.snap_participant_consent limit 1",
        "select * from audit.withdrawals limit 1",
        "select * from reporting.rpt_tier_distribution limit 1",
    ):
        assert _denied(url, ANALYST, query), f"analyst could run: {query}"


def test_analyst_can_read_every_mart(pipeline: Pipeline) -> None:
    for table in _tables(pipeline.url, "marts"):
        q = sql.SQL("select count(*) from {}").format(sql.Identifier("marts", table))
        _as(pipeline.url, ANALYST, q)  # raises if a mart was not granted


def test_reporting_role_sees_reporting_only(pipeline: Pipeline) -> None:
    url = pipeline.url
    tables = _tables(url, "reporting")
    assert "rpt_recruitment_by_gmc_month" in tables
    with psycopg.connect(url) as conn:
        for table in tables:
            ident = sql.Identifier("reporting", table)
            everything = conn.execute(sql.SQL("select count(*) from {}").format(ident)).fetchone()
            seen = _as(url, REPORTING, sql.SQL("select count(*) from {}").format(ident))[0]
            assert seen == everything, f"{table}: gwh_reporting must see every row"
    for query in (
        "select * from marts.dim_participant limit 1",
        "select * from raw.referrals_participants limit 1",
        "select * from quarantine.rows limit 1",
        "select * from reporting_build.rpt_turnaround limit 1",
    ):
        assert _denied(url, REPORTING, query), f"gwh_reporting could run: {query}"


def test_gmc_role_sees_only_its_own_rows(pipeline: Pipeline) -> None:
    url = pipeline.url
    secured = _with_gmc(url)
    assert "rpt_recruitment_by_gmc_month" in secured
    some_rows = 0
    with psycopg.connect(url) as conn:
        for table in sorted(secured):
            ident = sql.Identifier("reporting", table)
            for code in GMC_CODES:
                expected = conn.execute(
                    sql.SQL("select count(*) from {} where gmc_code = %s").format(ident), (code,)
                ).fetchone()[0]
                got = _as(
                    url,
                    gmc_role(code),
                    sql.SQL("select gmc_code, count(*) from {} group by 1").format(ident),
                )
                assert {g for g, _ in got} <= {code}, f"{gmc_role(code)} saw {got} in {table}"
                assert sum(n for _, n in got) == expected, f"{table}: {code} misses own rows"
                some_rows += expected
    assert some_rows > 0, "no GMC row at all: the test would prove nothing"


def test_gmc_role_cannot_read_tables_without_gmc_code(pipeline: Pipeline) -> None:
    url = pipeline.url
    without = sorted(set(_tables(url, "reporting")) - _with_gmc(url))
    assert without, "expected some reporting tables without gmc_code"
    for table in without:
        assert _denied(url, gmc_role("EOE"), f'select * from reporting."{table}" limit 1')
    assert _denied(url, gmc_role("EOE"), "select * from marts.dim_participant limit 1")


def test_only_the_loader_reads_quarantine(pipeline: Pipeline) -> None:
    with psycopg.connect(pipeline.url) as conn:
        for table in ("quarantine.rows", "quarantine.files"):
            for role in ALL_ROLES:
                can = conn.execute(
                    "select has_table_privilege(%s, %s, 'select')", (role, table)
                ).fetchone()[0]
                assert can == (role == LOADER), f"{role} select on {table}: {can}"
    assert _as(pipeline.url, LOADER, "select count(*) from quarantine.rows")[0][0] > 0


def test_loader_and_transformer_privileges(pipeline: Pipeline) -> None:
    url = pipeline.url
    assert _as(url, LOADER, "select count(*) from raw.hes_apc")[0][0] > 0
    assert _denied(url, LOADER, "select * from marts.dim_participant limit 1")
    assert _as(url, TRANSFORMER, "select count(*) from raw.hes_apc")[0][0] > 0
    assert _as(url, TRANSFORMER, "select count(*) from marts.dim_participant")[0][0] > 0
    assert _as(url, TRANSFORMER, "select count(*) from reporting.rpt_turnaround")
    assert _denied(url, TRANSFORMER, "select * from quarantine.rows limit 1")
    assert _denied(url, TRANSFORMER, "select * from audit.withdrawals limit 1")
    with psycopg.connect(url) as conn:
        owners = dict(
            conn.execute(
                "select nspname, pg_get_userbyid(nspowner) from pg_namespace "
                "where nspname in ('staging', 'marts', 'snapshots', 'reporting')"
            ).fetchall()
        )
    assert set(owners.values()) == {TRANSFORMER}


def test_public_has_nothing(pipeline: Pipeline) -> None:
    with psycopg.connect(pipeline.url) as conn:
        nobody = f"gwh_test_nobody_{os.getpid()}"
        conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(nobody)))
        try:
            for schema in db.SCHEMAS:
                can = conn.execute(
                    "select has_schema_privilege(%s, %s, 'usage')", (nobody, schema)
                ).fetchone()[0]
                assert not can, f"a role with no grants can use schema {schema}"
        finally:
            conn.rollback()


def test_concurrent_inits_of_several_databases(pg_server: db.ServerChoice) -> None:
    """Roles are cluster-wide and the role DDL runs once per database: inits of several
    databases at the same moment (parallel tests, Airflow tasks) must all succeed, twice."""
    from concurrent.futures import ThreadPoolExecutor

    urls = [
        db.with_database(pg_server.url, f"gwh_test_sec_init_{os.getpid()}_{i}") for i in range(3)
    ]
    try:
        for u in urls:
            db.drop_database(u)
            db.ensure_database(u)
        with ThreadPoolExecutor(len(urls)) as pool:
            applied = list(pool.map(db.init_db, urls + urls))
        assert all("090_roles.sql" in a for a in applied)
        with psycopg.connect(urls[0]) as conn:
            owner = conn.execute(
                "select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'marts'"
            ).fetchone()[0]
        assert owner == TRANSFORMER
    finally:
        for u in urls:
            db.drop_database(u)


# --- identifiers --------------------------------------------------------------------------


def _nhs_like_in(url: str, schemas: list[str]) -> list[tuple[str, str, str]]:
    """Every 10-digit token (3-3-4 spacing allowed) with a valid NHS check digit found in a
    text-like column (text, varchar, jsonb, arrays) of the given schemas, as (schema, table,
    column) once per offending column."""
    found = []
    # A token bounded by non-alphanumerics: hex pseudonyms contain digit runs that are not
    # numbers of anything, and an NHS number is written as one word (or 3-3-4 spaced).
    token = re.compile(r"(?<![0-9A-Za-z])(\d{3}) ?(\d{3}) ?(\d{4})(?![0-9A-Za-z])")
    with psycopg.connect(url) as conn:
        cols = conn.execute(
            "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
            "join information_schema.tables t using (table_schema, table_name) "
            "where c.table_schema = any(%s) and t.table_type = 'BASE TABLE' "
            "and (c.data_type in ('text', 'character varying', 'character', 'jsonb', 'json') "
            "or c.data_type = 'ARRAY')",
            (schemas,),
        ).fetchall()
        assert cols
        for schema, table, column in cols:
            q = sql.SQL("select distinct {c}::text from {t} where {c}::text ~ {p}").format(
                c=sql.Identifier(column),
                t=sql.Identifier(schema, table),
                p=sql.Literal(r"\d{3}[ -]?\d{3}[ -]?\d{4}"),
            )
            for (value,) in conn.execute(q):
                for m in token.finditer(value):
                    if is_valid("".join(m.groups())) and (schema, table, column) not in found:
                        found.append((schema, table, column))
    return found


def test_no_valid_nhs_number_in_analyst_or_published_schemas(pipeline: Pipeline) -> None:
    hits = _nhs_like_in(pipeline.url, ["marts", "reporting"])
    assert hits == [], f"NHS-number-shaped values with a valid check digit in {hits}"


def test_no_valid_nhs_number_outside_quarantine(pipeline: Pipeline) -> None:
    # Raw, ledger, staging... hold pseudonyms only; quarantine keeps delivered lines (loader
    # role only) and is the one place an NHS number may remain.
    schemas = [s for s in db.SCHEMAS if s != "quarantine"]
    assert _nhs_like_in(pipeline.url, schemas) == []


def test_no_identifier_columns_anywhere(pipeline: Pipeline) -> None:
    with psycopg.connect(pipeline.url) as conn:
        rows = conn.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema = any(%s) and lower(column_name) in "
            "('nhs_number', 'newnhsno', 'date_of_birth', 'dob')",
            (list(db.SCHEMAS),),
        ).fetchall()
    assert rows == []


def test_pipeline_logs_hold_no_nhs_number_or_birth_date(pipeline: Pipeline) -> None:
    with (pipeline.truth / "identifiers.csv").open(newline="") as fh:
        people = list(csv.DictReader(fh))
    assert len(people) >= PARTICIPANTS
    text = pipeline.log_text
    assert "quarantin" in text.lower(), "the defect paths must have run and logged"
    digits_only = re.sub(r"[ -]", "", text)
    nhs_leaks = [p["referral_id"] for p in people if p["nhs_number"] in digits_only]
    assert nhs_leaks == [], f"NHS numbers of {len(nhs_leaks)} participants appear in logs"
    # A date of birth alone can coincide with any other date (a referral, a HES episode);
    # logged next to its person's referral id it identifies them.
    by_line = text.splitlines()
    for p in people:
        dob, rid = p["date_of_birth"], p["referral_id"]
        assert not any(dob in line and rid in line for line in by_line), (
            f"the date of birth of {rid} was logged with its referral id"
        )


# --- disclosure control -----------------------------------------------------------------

#: Operational tables (file and row counts of deliveries, not people) and columns that are
#: dimensions, not counts.
OPERATIONAL = {
    "rpt_dashboard_feed_freshness",
    "rpt_dashboard_pipeline_status",
    "rpt_data_quality_summary",
}
NOT_COUNTS = {"tier", "referral_year"}


def test_published_counts_are_disclosure_controlled(pipeline: Pipeline) -> None:
    checked = 0
    with psycopg.connect(pipeline.url) as conn:
        cols = conn.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'reporting' and data_type in ('integer', 'bigint', 'smallint')"
        ).fetchall()
        for table, column in cols:
            if table in OPERATIONAL or column in NOT_COUNTS:
                continue
            q = sql.SQL(
                "select count(*) filter (where {c} between 1 and 7), "
                "count(*) filter (where {c} >= 8 and {c} % 5 <> 0), count({c}) from {t}"
            ).format(c=sql.Identifier(column), t=sql.Identifier("reporting", table))
            small, unrounded, present = conn.execute(q).fetchone()
            assert small == 0, f"reporting.{table}.{column} publishes a count of 1..7"
            assert unrounded == 0, f"reporting.{table}.{column} publishes an unrounded count"
            checked += present
    assert checked > 0


# --- secrets ------------------------------------------------------------------------------


def test_env_example_documents_secrets_without_values() -> None:
    text = (REPO / ".env.example").read_text()
    assignments = dict(
        line.split("=", 1)
        for line in text.splitlines()
        if line and not line.startswith("#") and "=" in line
    )
    for name in ("GWH_PSEUDONYM_KEY", "WAREHOUSE_URL", "GWH_DB_PASSWORD"):
        assert name in assignments, f".env.example does not document {name}"
    assert assignments["GWH_PSEUDONYM_KEY"].strip() == "", "a key value must never be committed"
    assert assignments["GWH_DB_PASSWORD"].strip() == ""
    assert not re.search(r"://[^/\s:@]+:[^@\s]+@", text), "a URL with a password is committed"


def test_missing_pseudonym_key_is_refused_without_echo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GWH_PSEUDONYM_KEY"}
    env["WAREHOUSE_URL"] = "postgresql://postgres@127.0.0.1:1/none"
    landing = tmp_path / "landing"
    landing.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "gwh.cli", "withdraw", str(landing)],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "GWH_PSEUDONYM_KEY" in proc.stderr
