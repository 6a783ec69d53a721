-- Tiered variants and families with at least one variant of each tier, by programme,
-- disease group and GMC (and 'ALL' GMCs).
with

tiers as (
    select
        variant.family_id,
        variant.tier,
        families.gmc_code,
        families.programme,
        families.disease_group
    from {{ ref('fct_tiered_variant') }} as variant
    inner join {{ ref('dim_family') }} as families on variant.family_id = families.family_id
),

counted as (
    select
        gmc_code,
        programme,
        disease_group,
        tier,
        count(*) as variants,
        count(distinct family_id) as families
    from tiers
    group by gmc_code, programme, disease_group, tier
    union all
    select
        'ALL' as gmc_code,
        programme,
        disease_group,
        tier,
        count(*) as variants,
        count(distinct family_id) as families
    from tiers
    group by programme, disease_group, tier
)

select
    gmc_code,
    programme,
    disease_group,
    tier,
    {{ disclosure_control('variants') }} as variants,
    {{ disclosure_control('families') }} as families
from counted
