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
-- One row per family variant with its reported (highest) tier, the panel and version that
-- gave it, the gene's mode of inheritance and the segregation seen in the family.
-- Incremental: a run re-merges every variant of the families tiered (or re-tiered against
-- a newer panel) since the last run; the post-hook drops variants that left the model
-- (withdrawn families, superseded VCFs), so an incremental build equals a full refresh.
with

tiered as (
    select * from {{ ref('int_variants__highest_tier') }}
    {% if is_incremental() %}
        -- whole families with anything tiered since the last run (new genomes, or a
        -- re-tier against a newer panel version, which dates the tier by the panel)
        where family_id in (
                select recent.family_id
                from {{ ref('int_variants__highest_tier') }} as recent
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
