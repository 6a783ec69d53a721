with

source as (
    select * from {{ source('variants', 'tiers') }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
),

tiers as (
    select
        *,
        dense_rank() over (
            partition by family_id order by delivery_date desc, ledger_file_id desc
        ) as vcf_rank
    from source
)

select
    family_id || ':' || chrom || ':' || pos::text || ':' || ref || ':' || alt
        as family_variant_key,
    family_id,
    proband_referral_id,
    chrom,
    pos,
    ref,
    alt,
    chrom || ':' || pos::text || ':' || ref || ':' || alt as variant_id,
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
    delivery_date as vcf_delivery_date
from tiers
where
    vcf_rank = 1
    and proband_referral_id not in (select withdrawn.referral_id from withdrawn)
