with

outcomes as (
    select * from {{ ref('fct_case_outcome') }}
),

counted as (
    select
        {{ cube_label('gmc_code') }},
        {{ cube_label('programme') }},
        {{ cube_label('disease_group') }},
        count(*) as families_reported,
        count(*) filter (where is_solved) as families_solved,
        count(*) filter (where is_partially_solved) as families_partially_solved
    from outcomes
    group by cube (gmc_code, programme, disease_group)
)

select
    gmc_code,
    programme,
    disease_group,
    {{ disclosure_control('families_reported') }} as families_reported,
    {{ disclosure_control('families_solved') }} as families_solved,
    {{ disclosure_control('families_partially_solved') }} as families_partially_solved,
    round(100 * {{ publishable_rate('families_solved', 'families_reported') }}, 1) as yield_pct,
    round(
        100 * {{ publishable_rate('families_solved + families_partially_solved',
        'families_reported') }},
        1
    ) as yield_incl_partial_pct
from counted
