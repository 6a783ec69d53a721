"""Shared fixtures: a throwaway warehouse database per test session on a real PostgreSQL.

The server is chosen by the project rule (WAREHOUSE_URL, else 127.0.0.1:5432, else the
embedded pgserver); the database is created for this session and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from loaders import db

# A fixed key for tests only: the loaders refuse to run without one outside the demo flag.
os.environ.setdefault("GWH_PSEUDONYM_KEY", "test-only-pseudonym-key")


@pytest.fixture(scope="session")
def pg_server() -> db.ServerChoice:
    """The server chosen by the project rule."""
    return db.resolve_server()


@pytest.fixture(scope="session")
def warehouse_url(pg_server: db.ServerChoice) -> Iterator[str]:
    """URL of a fresh database, initialised with `init_db`, dropped after the session."""
    name = f"gwh_test_{os.getpid()}_{secrets.token_hex(3)}"
    url = db.with_database(pg_server.url, name)
    db.ensure_database(url)
    db.init_db(url)
    try:
        yield url
    finally:
        db.drop_database(url)
