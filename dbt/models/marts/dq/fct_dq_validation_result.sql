with

checkpoint_runs as (
    select * from {{ ref('stg_dq__checkpoint_runs') }}
),

validation_results as (
    select * from {{ ref('stg_dq__validation_results') }}
),

runs as (
    select
        *,
        row_number() over (partition by stage order by finished_at desc, run_id desc)
            as recency
    from checkpoint_runs
)

select
    r.result_id,
    r.run_id,
    r.stage,
    r.suite,
    r.asset,
    r.expectation,
    r.expectation_type,
    r.category,
    r.severity,
    r.is_success,
    r.is_error,
    r.observed_value,
    r.unexpected_count,
    r.element_count,
    r.exception,
    r.validated_at,
    r.validated_at::date as validated_date,
    runs.recency = 1 as is_latest_run,
    runs.is_success as is_checkpoint_success
from validation_results as r
inner join runs
    on r.run_id = runs.run_id and r.stage = runs.stage
