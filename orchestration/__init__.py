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
    batch_genomes,
    data_quality,
    dbt_env_value,
    demo_key,
    load_night,
    max_map_length,
    night_genome_batches,
    night_genomes,
    process_night_genome,
    process_night_genomes,
    promote,
    summarise_genomes,
    warehouse_url,
    withdrawals,
)

__all__ = [
    "MONTHLY_FEEDS",
    "Readiness",
    "as_date",
    "batch_genomes",
    "check_deliveries",
    "data_quality",
    "dbt_env_value",
    "demo_key",
    "due_by",
    "failure_summary",
    "landing_root",
    "load_night",
    "log_failure",
    "max_map_length",
    "newest_panels",
    "night_genome_batches",
    "night_genomes",
    "night_of",
    "outbox_root",
    "process_night_genome",
    "process_night_genomes",
    "promote",
    "reanalyse",
    "summarise_genomes",
    "warehouse_url",
    "withdrawals",
]
