-- Checkpoint runs as written by loaders.dq: one row per (run_id, stage).
select
    run_id,
    stage,
    started_at,
    finished_at,
    expectations,
    failed_critical,
    failed_warning,
    success as is_success,
    docs_index
from {{ source('dq', 'checkpoint_runs') }}
