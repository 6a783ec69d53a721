{{
    config(
        materialized='incremental',
        unique_key='referral_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['episode_key'], 'unique': True},
            {'columns': ['referral_id']},
        ],
        post_hook=["{{ remove_withdrawn('referral_id') }}", "{{ advance_watermark() }}"],
    )
}}
-- depends_on: {{ ref('stg_ledger__files') }}
with

episodes as (
    select * from {{ ref('int_hes__apc_episodes') }}
    {% if is_incremental() %}
        -- every row of each participant whose records or referral changed since the
        -- last build, rebuilt whole (delete+insert by referral)
        where participant_pseudonym in ({{ changed_participants(ref('int_hes__apc_episodes')) }})
    {% endif %}
),

participants as (
    select
        referral_id,
        participant_pseudonym
    from {{ ref('stg_referrals__participants') }}
)

select
    episodes.episode_key,
    participants.referral_id,
    episodes.provider_code,
    episodes.admission_date,
    episodes.episode_start_date,
    episodes.episode_end_date,
    episodes.discharge_date,
    episodes.episode_order,
    episodes.admission_method_code,
    episodes.admission_source_code,
    episodes.discharge_method_code,
    episodes.discharge_destination_code,
    episodes.patient_classification_code,
    episodes.main_specialty_code,
    episodes.treatment_specialty_code,
    episodes.diagnosis_01 as primary_diagnosis_code,
    episodes.procedure_01 as main_procedure_code,
    episodes.episode_end_date - episodes.episode_start_date as episode_length_days,
    episodes.content_delivery_date as delivery_date
from episodes
inner join participants on episodes.participant_pseudonym = participants.participant_pseudonym
