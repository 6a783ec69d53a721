-- Tiered variants and families with at least one variant of each tier, by programme,
-- disease group and GMC (and 'ALL' GMCs): the cells of rpt_dashboard_tiers that do not
-- roll up programme or disease group (same unrounded counts, same disclosure control).
select
    gmc_code,
    programme,
    disease_group,
    tier,
    variants,
    families
from {{ ref('rpt_dashboard_tiers') }}
where
    programme is distinct from 'ALL'
    and disease_group is distinct from 'ALL'
