with

source as (
    select * from {{ source('referrals', 'tumours') }}
),

participants as (
    select * from {{ ref('stg_referrals__participants') }}
),

newest as (
    {{ newest_delivery('source', ['tumour_id']) }}
)

select
    newest.tumour_id,
    newest.referral_id,
    newest.tumour_icd10 as tumour_icd10_code,
    newest.diagnosis_date,
    newest.tumour_sample_platekey,
    newest.germline_sample_platekey,
    newest.delivery_date
from newest
inner join participants on newest.referral_id = participants.referral_id
