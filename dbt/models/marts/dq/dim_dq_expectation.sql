with

results as (
    select * from {{ ref('fct_dq_validation_result') }}
),

latest as (
    select distinct on (stage, expectation) *
    from results
    order by stage asc, expectation asc, validated_at desc, result_id desc
),

last_pass as (
    select
        stage,
        expectation,
        max(validated_at) as last_passed_at
    from results
    where is_success
    group by stage, expectation
),

first_fail as (
    select
        r.stage,
        r.expectation,
        min(r.validated_at) as failing_since
    from results as r
    left join last_pass as p
        on r.stage = p.stage and r.expectation = p.expectation
    where not r.is_success
        and (p.last_passed_at is null or r.validated_at > p.last_passed_at)
    group by r.stage, r.expectation
)

select
    latest.stage,
    latest.suite,
    latest.expectation,
    latest.category,
    latest.severity,
    latest.is_success,
    latest.is_error,
    latest.observed_value,
    latest.unexpected_count,
    latest.run_id as last_run_id,
    latest.validated_at as last_validated_at,
    last_pass.last_passed_at,
    case when not latest.is_success then first_fail.failing_since end as failing_since
from latest
left join last_pass
    on latest.stage = last_pass.stage and latest.expectation = last_pass.expectation
left join first_fail
    on latest.stage = first_fail.stage and latest.expectation = first_fail.expectation
