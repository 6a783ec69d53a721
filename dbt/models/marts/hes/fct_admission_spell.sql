with

spells as (
    select * from {{ ref('int_hes__admission_spells') }}
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
