with

tumours as (
    select * from {{ ref('stg_referrals__tumours') }}
),

participants as (
    select * from {{ ref('int_release__participants') }}
)

select
    participants.participant_id,
    tumours.diagnosis_date,
    replace(tumours.tumour_icd10_code, '.', '') as diagnosis_icd_code,
    null::text as morphology_icd_code
from tumours
inner join participants on tumours.referral_id = participants.referral_id
