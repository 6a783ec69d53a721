with

expectations as (
    select * from {{ ref('dim_dq_expectation') }}
)

select
    stage,
    suite,
    expectation,
    category,
    severity,
    is_error,
    observed_value,
    unexpected_count,
    last_validated_at,
    failing_since,
    last_passed_at
from expectations
where not is_success
