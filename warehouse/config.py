"""Project settings, read from the environment at call time (never at import time).

Why functions and not module constants: Airflow imports DAG files that import this package,
and work at import/parse time is forbidden there; tests also change the environment per test.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root (the folder holding pyproject.toml).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    """Local state (embedded PostgreSQL, demo landing areas): `.gwh/`, or `GWH_HOME` if set."""
    return Path(os.environ.get("GWH_HOME", PROJECT_ROOT / ".gwh")).resolve()


#: Name of the warehouse database created on a local or embedded server.
DEFAULT_DATABASE = "gwh"
#: The database `make demo` builds (and `make dashboard` serves) on the same server.
DEMO_DATABASE = "gwh_demo"
