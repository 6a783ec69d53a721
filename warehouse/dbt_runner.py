"""Running the dbt project against the warehouse chosen by the project rule.

dbt reads its connection from environment variables (dbt/profiles.yml holds no secret);
this module turns the warehouse URL into those variables, so the CLI, the tests and the
Airflow/Cosmos tasks all point dbt at the same database.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from warehouse.config import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"


def dbt_env(url: str) -> dict[str, str]:
    """The GWH_DB_* variables dbt/profiles.yml reads, from a PostgreSQL URL/conninfo."""
    p = conninfo_to_dict(url)
    return {
        "GWH_DB_HOST": str(p.get("host") or "127.0.0.1"),
        "GWH_DB_PORT": str(p.get("port") or "5432"),
        "GWH_DB_USER": str(p.get("user") or "postgres"),
        "GWH_DB_PASSWORD": str(p.get("password") or ""),
        "GWH_DB_NAME": str(p.get("dbname") or "postgres"),
    }


def run_dbt(args: Sequence[str], url: str, target_path: Path | None = None):
    """Invoke dbt in-process (dbtRunner) with the project and profile of this repo.

    Returns dbt's `dbtRunnerResult`; raises RuntimeError with dbt's own message on failure,
    because a silent dbt failure would publish stale marts.
    """
    from dbt.cli.main import dbtRunner  # imported lazily: heavy, and not needed to parse DAGs

    os.environ.update(dbt_env(url))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    cli_args = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    if target_path is not None:
        cli_args += ["--target-path", str(target_path)]
    result = dbtRunner().invoke(cli_args)
    if not result.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception or 'see dbt log'}")
    return result
