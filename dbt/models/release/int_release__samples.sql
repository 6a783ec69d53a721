{{ config(materialized='ephemeral') }}
{#- Every sequenced sample of a released participant: its platekey, VCF and delivery, from
    the variant-summary mart (one row per platekey). -#}
with

summaries as (
    select * from {{ ref('fct_variant_summary') }}
),

participants as (
    select * from {{ ref('int_release__participants') }}
)

select
    participants.participant_id,
    participants.is_rare_disease,
    summaries.*,
    'sequencing/' || summaries.sequencing_delivery_date::text || '/' || summaries.file_name
        as file_path
from summaries
inner join participants on summaries.referral_id = participants.referral_id
