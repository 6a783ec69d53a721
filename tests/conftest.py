"""Shared fixtures: a throwaway warehouse database per test session on a real PostgreSQL.

The server is chosen by the project rule (WAREHOUSE_URL, else 127.0.0.1:5432, else the
embedded pgserver); the database is created for this session and dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from warehouse import db

# A fixed key for tests only: the loaders refuse to run without one outside the demo flag.
os.environ.setdefault("GWH_PSEUDONYM_KEY", "test-only-pseudonym-key")


@pytest.fixture(scope="session")
def pg_server() -> db.ServerChoice:
    """The server chosen by the project rule."""
    return db.resolve_server()


@pytest.fixture(scope="session")
def warehouse_url(pg_server: db.ServerChoice) -> Iterator[str]:
    """URL of a fresh database, initialised with `init_db`, dropped after the session."""
    with db.scratch_warehouse(pg_server.url, "gwh_test") as url:
        yield url
