with

tiered_variants as (
    select * from {{ ref('fct_tiered_variant') }}
),

families as (
    select * from {{ ref('dim_family') }}
),

tiers as (
    select
        variant.family_id,
        variant.tier,
        fam.gmc_code,
        fam.programme,
        fam.disease_group
    from tiered_variants as variant
    inner join families as fam on variant.family_id = fam.family_id
),

counted as (
    select
        {{ cube_label('gmc_code') }},
        {{ cube_label('programme') }},
        {{ cube_label('disease_group') }},
        tier,
        count(*) as variants,
        count(distinct family_id) as families
    from tiers
    group by cube (gmc_code, programme, disease_group), tier
)

select
    gmc_code,
    programme,
    disease_group,
    tier,
    {{ disclosure_control('variants') }} as variants,
    {{ disclosure_control('families') }} as families
from counted
