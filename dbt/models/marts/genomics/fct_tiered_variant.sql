{{
    config(
        materialized='incremental',
        unique_key='family_variant_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where family_variant_key not in "
            ~ "(select family_variant_key from {{ ref('int_variants__highest_tier') }})"
        ]
    )
}}
with

highest_tiers as (
    select * from {{ ref('int_variants__highest_tier') }}
),

tiered as (
    select * from highest_tiers
    {% if is_incremental() %}
        -- whole families with anything tiered since the last run (new genomes, or a
        -- re-tier against a newer panel version, which dates the tier by the panel)
        where family_id in (
                select recent.family_id
                from highest_tiers as recent
                where recent.tiered_date
                    >= (select max(already_built.tiered_date) from {{ this }} as already_built)
            )
    {% endif %}
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
    tiered_date
from tiered
