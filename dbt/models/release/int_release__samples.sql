{{ config(materialized='ephemeral') }}
{#- Every sequenced sample of a released participant: its platekey, VCF and delivery, from
    the variant-summary mart (one row per platekey). The VCF is named by its platekey: a
    germline VCF is delivered as one file per family named after the warehouse's family id,
    which a release must not show. -#}
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
    summaries.platekey
    || case when summaries.sample_type = 'tumour' then '.somatic' else '.germline' end
    || '.vcf.gz' as released_file_name
from summaries
inner join participants on summaries.referral_id = participants.referral_id
