"""Reaching the warehouse PostgreSQL and creating its schemas.

Resolution order (README, DEVELOPERS.md): `WAREHOUSE_URL` if set; else the PostgreSQL on
127.0.0.1:5432 if it answers (trust auth, user postgres); else an embedded server from the
`pgserver` wheel under `.gwh/pgdata`. The warehouse is always a real PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from warehouse.config import DEFAULT_DATABASE, state_dir

log = logging.getLogger(__name__)

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

#: Schemas created by `gwh db init`, and what each is for.
SCHEMAS: dict[str, str] = {
    "ledger": "load ledger: one row per delivery and per file, with row reconciliation",
    "raw": "validated, pseudonymised rows exactly as delivered, every delivery kept",
    "quarantine": "rejected rows and files with their reason; loader role only",
    "staging": "dbt staging models",
    "intermediate": "dbt intermediate models",
    "marts": "dbt dimensional marts for analysts",
    "snapshots": "dbt snapshots (SCD type 2 history)",
    "reporting_build": "reporting tables as dbt builds them, before promotion",
    "reporting": "disclosure-controlled tables read by dashboards (promoted after DQ passes)",
    "dq": "data-quality validation results",
    "audit": "audit trail (consent withdrawals, administrative actions)",
    "release_admin": "research releases: the id maps and the catalogue; release builder only",
    "release_build": "research release views as dbt builds them, before a cut",
    "release_latest": "views on the newest published research release",
}


@dataclass(frozen=True)
class ServerChoice:
    """Which server the warehouse lives on, and why it was chosen."""

    url: str
    source: str  # "WAREHOUSE_URL" | "local" | "embedded"


def _answers(url: str, timeout: int = 2) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=timeout) as conn:
            conn.execute("select 1")
        return True
    except psycopg.Error:
        return False


def _embedded_server_url() -> str:
    """Start (or reuse) the pgserver-embedded PostgreSQL under `.gwh/pgdata`.

    cleanup_mode=None keeps it running after this process exits, so that the CLI, the
    tests and Airflow task subprocesses all share one server.
    """
    import pgserver  # imported lazily: only needed when no other server answers

    # pgserver logs every initdb/pg_ctl command line at INFO, and once more from an atexit
    # hook, when the process's log streams may already be closed (a "Logging error" at the
    # end of a pytest run): its warnings and errors are all we want.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    pgdata = state_dir() / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    return server.get_uri("postgres")


def resolve_server() -> ServerChoice:
    """Pick the warehouse server by the project's rule (see module docstring)."""
    env = os.environ.get("WAREHOUSE_URL")
    if env:
        return ServerChoice(env, "WAREHOUSE_URL")
    if _answers(LOCAL_SERVER):
        return ServerChoice(with_database(LOCAL_SERVER, DEFAULT_DATABASE), "local")
    url = _embedded_server_url()
    return ServerChoice(with_database(url, DEFAULT_DATABASE), "embedded")


def warehouse_url() -> str:
    """The connection URL of the warehouse database (created if missing)."""
    choice = resolve_server()
    ensure_database(choice.url)
    return choice.url


def with_database(url: str, dbname: str) -> str:
    """Return `url` pointing at database `dbname` on the same server."""
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo(**params)


def database_name(url: str) -> str:
    return conninfo_to_dict(url).get("dbname") or "postgres"


def ensure_database(url: str) -> bool:
    """Create the database named in `url` if it does not exist. Returns True if created."""
    name = database_name(url)
    admin = with_database(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        log.info("created database %s", name)
        return True


def drop_database(url: str) -> None:
    """Drop the database named in `url`, closing other sessions on it first."""
    name = database_name(url)
    admin = with_database(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


@contextmanager
def connect(url: str | None = None, **kwargs) -> Iterator[psycopg.Connection]:
    """A psycopg 3 connection to the warehouse (resolved by the project rule when url is None)."""
    conn = psycopg.connect(url or warehouse_url(), **kwargs)
    try:
        yield conn
    finally:
        conn.close()


def sql_files() -> list[tuple[str, str]]:
    """The DDL files under warehouse/sql, in name order (NNN_*.sql), as (name, text)."""
    folder = Path(__file__).resolve().parent / "sql"
    files = sorted(folder.glob("*.sql"), key=lambda p: p.name)
    return [(p.name, p.read_text(encoding="utf-8")) for p in files]


def init_db(url: str | None = None) -> list[str]:
    """Create every schema and table idempotently; return the DDL files applied.

    Each DDL file is written to be re-runnable (IF NOT EXISTS), so running init twice is
    harmless; everything runs in one transaction so a failure leaves nothing half-made.
    """
    url = url or warehouse_url()
    applied = []
    with connect(url) as conn, conn.transaction():
        # Serialise concurrent inits (several Airflow tasks may start at once).
        conn.execute("select pg_advisory_xact_lock(hashtext('gwh db init'))")
        for schema, comment in SCHEMAS.items():
            conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            conn.execute(
                sql.SQL("comment on schema {} is {}").format(
                    sql.Identifier(schema), sql.Literal(comment)
                )
            )
        for name, text in sql_files():
            conn.execute(text)
            applied.append(name)
        from warehouse.code_systems import load_code_systems

        load_code_systems(conn)
    return applied


@contextmanager
def scratch_warehouse(server_url: str, prefix: str) -> Iterator[str]:
    """A new database on the server, initialised with `init_db` and dropped afterwards:
    its URL. For tests and benchmarks; the name carries the pid and a random suffix, so
    parallel runs never meet."""
    url = with_database(server_url, f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}")
    ensure_database(url)
    init_db(url)
    try:
        yield url
    finally:
        drop_database(url)
