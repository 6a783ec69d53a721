-- Dashboard: expectations failing as of their latest validation, critical first, with the
-- observed value and since when they fail. Holds no identifiers (dq results never do).
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
