{{
    config(
        materialized='incremental',
        unique_key='referral_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['spell_key'], 'unique': True},
            {'columns': ['referral_id']},
        ],
        post_hook=["{{ remove_withdrawn('referral_id') }}", "{{ advance_watermark() }}"],
    )
}}
-- depends_on: {{ ref('stg_ledger__files') }}
with

spells as (
    select * from {{ ref('int_hes__admission_spells') }}
    {% if is_incremental() %}
        -- every row of each participant whose records or referral changed since the
        -- last build, rebuilt whole (delete+insert by referral)
        where participant_pseudonym in (
                {{ changed_participants(ref('int_hes__admission_spells')) }}
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
    spells.spell_key,
    participants.referral_id,
    spells.provider_code,
    spells.admission_date,
    spells.discharge_date,
    spells.bed_days,
    spells.episode_count,
    spells.admission_method_code,
    spells.patient_classification_code,
    spells.treatment_specialty_code,
    spells.primary_diagnosis_code,
    spells.is_emergency,
    spells.is_elective,
    spells.died_in_spell
from spells
inner join participants on spells.participant_pseudonym = participants.participant_pseudonym
where spells.has_first_episode
