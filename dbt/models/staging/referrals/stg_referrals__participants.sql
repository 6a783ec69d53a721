with

source as (
    select * from {{ source('referrals', 'participants') }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
),

newest as (
    {{ newest_delivery('source', ['referral_id']) }}
)

select
    referral_id,
    participant_pseudonym,
    gmc_code,
    family_id,
    relationship_to_proband,
    affection_status,
    sex,
    year_of_birth,
    age_at_referral,
    programme,
    disease_group,
    specific_disease,
    referral_date,
    delivery_date,
    ledger_file_id
from newest
where
    consent_status = 'consented'
    and referral_id not in (select withdrawn.referral_id from withdrawn)
    and participant_pseudonym not in (
        select withdrawn.participant_pseudonym from withdrawn
    )
