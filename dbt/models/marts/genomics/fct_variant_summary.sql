{{
    config(
        materialized='incremental',
        unique_key='platekey',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where platekey not in "
            ~ "(select platekey from {{ ref('stg_variants__sample_stats') }})"
        ]
    )
}}
with

sample_stats as (
    select * from {{ ref('stg_variants__sample_stats') }}
    {% if is_incremental() %}
        where delivery_date >= (
                select max(already_built.sequencing_delivery_date) from {{ this }} as already_built
            )
    {% endif %}
)

select
    platekey,
    referral_id,
    family_id,
    sample_type,
    ref_hom_count,
    hom_alt_count,
    het_count,
    transitions,
    transversions,
    indel_count,
    singleton_count,
    missing_count,
    mean_depth,
    round((transitions::numeric / nullif(transversions, 0)), 3) as ts_tv,
    round((het_count::numeric / nullif(hom_alt_count, 0)), 3) as het_hom_alt_ratio,
    chrx_het_ratio,
    genotype_inferred_sex,
    file_name,
    file_records,
    file_ts_tv,
    delivery_date as sequencing_delivery_date
from sample_stats
