with

tiers as (
    select * from {{ ref('stg_variants__tiers') }}
),

panels as (
    select * from {{ ref('stg_panelapp__panels') }}
),

latest_version as (
    select
        tiers.*,
        panels.first_delivered_date as panel_delivered_date,
        row_number() over (
            partition by tiers.family_variant_key, tiers.panel_id
            order by panels.panel_version_parts desc nulls last
        ) as version_rank
    from tiers
    left join panels
        on tiers.panel_id = panels.panel_id and tiers.panel_version = panels.panel_version
),

ranked as (
    select
        *,
        row_number() over (
            partition by family_variant_key
            order by tier, panel_id nulls last
        ) as tier_rank
    from latest_version
    where version_rank = 1
)

select
    family_variant_key,
    family_id,
    proband_referral_id,
    variant_id,
    chrom,
    pos,
    ref,
    alt,
    gene_symbol,
    consequence,
    impact,
    gnomad_af,
    tier,
    segregation,
    mode_of_inheritance,
    panel_id,
    panel_name,
    panel_version,
    greatest(vcf_delivery_date, panel_delivered_date) as tiered_date
from ranked
where tier_rank = 1
