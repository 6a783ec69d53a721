-- One row per family variant with its reported (highest) tier, the panel and version that
-- gave it, the gene's mode of inheritance and the segregation seen in the family.
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
    tiered_date
from {{ ref('int_variants__highest_tier') }}
