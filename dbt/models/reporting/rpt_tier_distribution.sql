with

tier_cube as (
    select * from {{ ref('rpt_dashboard_tiers') }}
)

select
    gmc_code,
    programme,
    disease_group,
    tier,
    variants,
    families
from tier_cube
where
    programme is distinct from 'ALL'
    and disease_group is distinct from 'ALL'
