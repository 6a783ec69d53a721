{{ config(materialized='ephemeral') }}
{#- Every participant a release may hold: current consent at the cut (no_further_use
    withdrawals never reach the marts; no_further_contact stays, flagged), with the integer
    ids assigned once by the release builder (release_admin), never the warehouse's ids. -#}
with

participants as (
    select * from {{ ref('dim_participant') }}
),

participant_ids as (
    select * from {{ source('release_admin', 'participant_ids') }}
),

family_ids as (
    select * from {{ source('release_admin', 'family_ids') }}
),

gmcs as (
    select * from {{ ref('dim_gmc') }}
)

select
    participants.referral_id,
    participants.family_id,
    participants.germline_platekey,
    participant_ids.participant_id,
    family_ids.rare_diseases_family_id,
    participants.relationship_to_proband,
    participants.is_proband,
    participants.year_of_birth,
    participants.age_at_referral,
    participants.referral_date,
    participants.disease_group,
    participants.specific_disease,
    participants.date_of_death,
    participants.is_no_further_contact,
    participants.programme = 'rare_disease' as is_rare_disease,
    gmcs.gmc_name,
    gmcs.lead_trust,
    case participants.programme
        when 'rare_disease' then 'Rare Diseases'
        when 'cancer' then 'Cancer'
    end as programme,
    case when participants.is_proband then 'Proband' else 'Relative' end as participant_type,
    case participants.sex
        when 'male' then 'Male'
        when 'female' then 'Female'
        else 'Indeterminate'
    end as phenotypic_sex,
    case participants.affection_status
        when 'affected' then 'Affected'
        when 'unaffected' then 'Unaffected'
        else 'Unknown'
    end as affection_status,
    case participants.relationship_to_proband
        when 'proband' then 'N/A'
        when 'sibling' then 'Full Sibling'
        else initcap(participants.relationship_to_proband)
    end as relationship_to_proband_label
from participants
inner join participant_ids on participants.referral_id = participant_ids.referral_id
left join family_ids
    on
        participants.family_id = family_ids.family_id
        and participants.programme = 'rare_disease'
left join gmcs on participants.gmc_code = gmcs.gmc_code
where participants.consent_state in ('consented', 'no_further_contact')
