with

participants as (
    select * from {{ ref('stg_referrals__participants') }}
),

pedigree as (
    select * from {{ ref('int_pedigree') }}
),

consent as (
    select * from {{ ref('snap_participant_consent') }}
    where dbt_valid_to is null
),

deaths as (
    select * from {{ ref('stg_mortality__deaths') }}
)

select
    participants.referral_id,
    participants.participant_pseudonym,
    participants.gmc_code,
    participants.family_id,
    participants.relationship_to_proband,
    participants.relationship_to_proband = 'proband' as is_proband,
    participants.affection_status,
    participants.sex,
    participants.year_of_birth,
    participants.age_at_referral,
    participants.programme,
    participants.disease_group,
    participants.specific_disease,
    participants.referral_date,
    pedigree.germline_platekey,
    coalesce(consent.consent_state, 'consented') as consent_state,
    coalesce(consent.is_no_further_contact, false) as is_no_further_contact,
    consent.dbt_valid_from as consent_state_since,
    deaths.date_of_death
from participants
left join pedigree on participants.referral_id = pedigree.referral_id
left join consent on participants.referral_id = consent.referral_id
left join deaths on participants.participant_pseudonym = deaths.participant_pseudonym
