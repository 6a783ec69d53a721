with

participants as (
    select * from {{ ref('int_release__participants') }}
),

parents as (
    select * from {{ ref('int_release__parents') }}
),

episodes as (
    select * from {{ ref('fct_hospital_episode') }}
),

hes_coverage as (
    select extract(year from max(episode_start_date))::integer as until_year
    from episodes
)

select
    participants.participant_id,
    participants.programme,
    participants.participant_type,
    participants.rare_diseases_family_id,
    case
        when participants.is_rare_disease then participants.relationship_to_proband_label
    end as biological_relationship_to_proband,
    participants.year_of_birth::integer as year_of_birth,
    participants.phenotypic_sex as participant_phenotypic_sex,
    participants.gmc_name as handling_gmc,
    participants.lead_trust as handling_gmc_trust,
    null::text as handling_gmc_ods_code,
    participants.referral_date as registration_date,
    participants.referral_date as date_of_consent,
    'Consenting'::text as programme_consent_status,
    case
        when participants.is_no_further_contact then 'no_further_contact'
    end as withdrawal_option,
    case
        when participants.is_rare_disease then coalesce(parents.father_affected, 'Unknown')
    end as father_affected,
    case
        when participants.is_rare_disease then coalesce(parents.mother_affected, 'Unknown')
    end as mother_affected,
    hes_coverage.until_year as secondary_data_received_until_year,
    null::text as participant_ethnic_category,
    null::text as participant_karyotypic_sex,
    null::text as participant_stated_gender
from participants
cross join hes_coverage
left join parents
    on
        participants.family_id = parents.family_id
        and participants.is_proband
