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
from {{ ref('dim_dq_expectation') }}
where not is_success
