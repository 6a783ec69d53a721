-- Diagnostic yield: families with a recorded result, and those solved (case_solved = yes)
-- or partially solved, by programme, disease group and GMC (and 'ALL' GMCs).
with

outcomes as (
    select * from {{ ref('fct_case_outcome') }}
),

counted as (
    select
        gmc_code,
        programme,
        disease_group,
        count(*) as families_reported,
        count(*) filter (where is_solved) as families_solved,
        count(*) filter (where is_partially_solved) as families_partially_solved
    from outcomes
    group by gmc_code, programme, disease_group
    union all
    select
        'ALL' as gmc_code,
        programme,
        disease_group,
        count(*) as families_reported,
        count(*) filter (where is_solved) as families_solved,
        count(*) filter (where is_partially_solved) as families_partially_solved
    from outcomes
    group by programme, disease_group
)

select
    gmc_code,
    programme,
    disease_group,
    {{ disclosure_control('families_reported') }} as families_reported,
    {{ disclosure_control('families_solved') }} as families_solved,
    {{ disclosure_control('families_partially_solved') }} as families_partially_solved,
    round(100 * {{ publishable_rate('families_solved', 'families_reported') }}, 1)
        as yield_pct
from counted
