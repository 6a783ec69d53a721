with

yield_cube as (
    select * from {{ ref('rpt_dashboard_yield') }}
)

select
    gmc_code,
    programme,
    disease_group,
    families_reported,
    families_solved,
    families_partially_solved,
    yield_pct
from yield_cube
where
    programme is distinct from 'ALL'
    and disease_group is distinct from 'ALL'
