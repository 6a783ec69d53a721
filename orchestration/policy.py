"""Operational policy shared by every DAG task: retries, back-off, failure logging, and the
pool that bounds concurrent writers to the warehouse.

Plain constants (no Airflow import), so the demo and the tests can read them without Airflow.
"""

from __future__ import annotations

import os
from datetime import timedelta

from orchestration.failures import log_failure

#: Pool that bounds concurrent writers to the warehouse (created by `make demo` and by the
#: compose init service).
WRITERS_POOL = "gwh_warehouse_writers"
WRITERS_POOL_SLOTS = 4

#: Operational policy for every task: retries with exponential backoff, a clear failure log.
DEFAULT_ARGS = {
    "owner": "genomics-warehouse",
    # GWH_TASK_RETRIES lets the in-process demo/tests fail fast; production keeps 2.
    "retries": int(os.environ.get("GWH_TASK_RETRIES", "2")),
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    "on_failure_callback": log_failure,
}
