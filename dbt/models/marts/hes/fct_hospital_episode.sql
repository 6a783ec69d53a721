{{
    config(
        materialized='incremental',
        unique_key='episode_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where episode_key not in "
            ~ "(select episode_key from {{ ref('stg_hes__apc_episodes') }})"
        ]
    )
}}
with

episodes as (
    select * from {{ ref('stg_hes__apc_episodes') }}
    {% if is_incremental() %}
        where delivery_date >= (
                select coalesce(max(already_built.delivery_date), '1900-01-01')
                from {{ this }} as already_built
            )
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
    episodes.delivery_date
from episodes
inner join participants on episodes.participant_pseudonym = participants.participant_pseudonym
