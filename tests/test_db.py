"""Connection resolution and schema initialisation against a real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from warehouse import db


def test_warehouse_url_env_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://someone@db.invalid:6543/wh")
    choice = db.resolve_server()
    assert choice.source == "WAREHOUSE_URL"
    assert choice.url == "postgresql://someone@db.invalid:6543/wh"


def test_local_server_chosen_when_it_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without WAREHOUSE_URL: the local server when it answers, else the embedded one."""
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    choice = db.resolve_server()
    assert choice.source == ("local" if db._answers(db.LOCAL_SERVER) else "embedded")
    assert db.database_name(choice.url) == "gwh"


def test_embedded_server_used_when_nothing_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """With no WAREHOUSE_URL and no local server, pgserver starts a real PostgreSQL."""
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("GWH_HOME", str(tmp_path))
    monkeypatch.setattr(db, "_answers", lambda url, timeout=2: False)
    choice = db.resolve_server()
    assert choice.source == "embedded"
    try:
        created = db.ensure_database(choice.url)
        assert created
        with psycopg.connect(choice.url) as conn:
            version = conn.execute("show server_version").fetchone()[0]
        assert version
    finally:
        import pgserver

        pgserver.get_server(tmp_path / "pgdata", cleanup_mode="delete").cleanup()


def test_init_creates_schemas_and_twice_is_harmless(warehouse_url: str) -> None:
    first = db.init_db(warehouse_url)
    second = db.init_db(warehouse_url)
    assert first == second
    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute(
            "select nspname from pg_namespace where nspname = any(%s)", (list(db.SCHEMAS),)
        ).fetchall()
    assert {r[0] for r in rows} == set(db.SCHEMAS)


def test_with_database_keeps_server() -> None:
    url = db.with_database("postgresql://postgres@127.0.0.1:5432/postgres", "other")
    assert db.database_name(url) == "other"
    assert "127.0.0.1" in url


def test_code_systems_loaded_once_with_real_codes(warehouse_url: str) -> None:
    from warehouse.code_systems import load_code_systems

    with psycopg.connect(warehouse_url) as conn:
        counts = {
            t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0]
            for t in ("ref_icd10", "ref_hpo_terms", "ref_opcs4")
        }
        assert counts["ref_icd10"] > 12000 and counts["ref_hpo_terms"] > 19000
        assert counts["ref_opcs4"] > 10
        row = conn.execute(
            "select description from raw.ref_icd10 where hes_code = 'I10X'"
        ).fetchone()
        assert row == ("Essential (primary) hypertension",)
        name = conn.execute(
            "select hpo_name from raw.ref_hpo_terms where hpo_id = 'HP:0001249'"
        ).fetchone()
        assert name == ("Intellectual disability",)
        # Same release already loaded: nothing reloaded.
        assert load_code_systems(conn) == {}
