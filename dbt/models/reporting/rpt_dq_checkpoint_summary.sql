with

validation_results as (
    select * from {{ ref('fct_dq_validation_result') }}
)

select
    run_id,
    stage,
    category,
    severity,
    min(validated_at) as validated_at,
    count(*)::integer as expectations,
    (count(*) filter (where not is_success))::integer as failed,
    (count(*) filter (where is_error))::integer as errored,
    bool_and(is_checkpoint_success) as is_checkpoint_success,
    bool_or(is_latest_run) as is_latest_run
from validation_results
group by run_id, stage, category, severity
