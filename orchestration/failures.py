"""One clear log line for a failed task, for the DAGs' `on_failure_callback`."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def failure_summary(context: dict) -> str:
    """One clear line for a failed task: DAG, task (map index), run, try, exception.

    Used by the DAGs' `on_failure_callback`; the exception text comes from the loaders,
    which never put identifiers in messages.
    """
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    map_index = getattr(ti, "map_index", -1)
    try_number = getattr(ti, "try_number", "?")
    run_id = context.get("run_id") or getattr(ti, "run_id", "?")
    exc = context.get("exception")
    where = f"{task_id}[{map_index}]" if map_index is not None and map_index >= 0 else task_id
    return (
        f"GWH FAILURE dag={dag_id} task={where} run={run_id} try={try_number}: "
        f"{type(exc).__name__ if exc else 'error'}: {exc}"
    )


def log_failure(context: dict) -> None:
    """`on_failure_callback`: log the summary at ERROR (alerting hooks read the log)."""
    log.error(failure_summary(context))
