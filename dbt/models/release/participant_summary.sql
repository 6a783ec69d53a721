with

participants as (
    select * from {{ ref('int_release__participants') }}
),

sample_qc as (
    select * from {{ ref('fct_sample_qc') }}
),

tumours as (
    select * from {{ ref('stg_referrals__tumours') }}
),

karyotypes as (
    select
        referral_id,
        min(
            case inferred_sex when 'male' then 'XY' when 'female' then 'XX' end
        ) as karyotyped_sex
    from sample_qc
    where sample_type = 'germline'
    group by referral_id
),

first_tumours as (
    select
        referral_id,
        min(diagnosis_date) as diagnosis_date
    from tumours
    group by referral_id
)

select
    participants.participant_id,
    participants.year_of_birth::integer as yob,
    participants.programme,
    participants.participant_type,
    participants.affection_status,
    participants.phenotypic_sex as participant_phenotyped_sex,
    karyotypes.karyotyped_sex as participant_karyotyped_sex,
    participants.referral_date as date_of_consent,
    participants.date_of_death as death_date,
    participants.disease_group as normalised_disease_group,
    participants.specific_disease as normalised_specific_disease,
    case
        when participants.is_rare_disease and participants.affection_status = 'Affected'
            then participants.age_at_referral::integer
    end as rare_disease_diagnosis_age,
    (
        extract(year from first_tumours.diagnosis_date)::integer
        - participants.year_of_birth
    ) as cancer_diagnosis_age,
    null::text as genetically_inferred_ancestry_thr
from participants
left join karyotypes on participants.referral_id = karyotypes.referral_id
left join first_tumours on participants.referral_id = first_tumours.referral_id
