"""Orchestration: what the Airflow DAGs in `dags/` call, and the Airflow pieces they share.

The DAG files only define DAGs; every task calls one plain function exported here, so each
step can be run and tested without Airflow:

- `nights`: which deliveries a night processes and whether they have all arrived;
- `tasks`: the nightly steps (load, genomes, withdrawals, data quality, promotion);
- `reanalysis`: re-tiering against new panels and publishing the per-GMC lists;
- `failures`: the one-line failure log of every task.

The Airflow-facing modules are imported by the DAG files only: `assets` (the Assets),
`policy` (retries, the writers pool), `sensors` (the deliveries sensor) and `dbt_group` (the
dbt project as a Cosmos task group). Nothing here does work when a DAG file is parsed.
"""

from orchestration.failures import failure_summary, log_failure
from orchestration.nights import (
    MONTHLY_FEEDS,
    Readiness,
    as_date,
    check_deliveries,
    due_by,
    landing_root,
    night_of,
    outbox_root,
)
from orchestration.reanalysis import newest_panels, reanalyse
from orchestration.tasks import (
    data_quality,
    dbt_env_value,
    demo_key,
    load_night,
    night_genomes,
    process_night_genome,
    promote,
    summarise_genomes,
    warehouse_url,
    withdrawals,
)

__all__ = [
    "MONTHLY_FEEDS",
    "Readiness",
    "as_date",
    "check_deliveries",
    "data_quality",
    "dbt_env_value",
    "demo_key",
    "due_by",
    "failure_summary",
    "landing_root",
    "load_night",
    "log_failure",
    "newest_panels",
    "night_genomes",
    "night_of",
    "outbox_root",
    "process_night_genome",
    "promote",
    "reanalyse",
    "summarise_genomes",
    "warehouse_url",
    "withdrawals",
]
