with

participants as (
    select * from {{ ref('stg_referrals__participants') }}
),

withdrawals as (
    select * from {{ ref('stg_withdrawals__withdrawals') }}
)

select
    participants.referral_id,
    case
        when withdrawals.withdrawal_option = 'no_further_contact' then 'no_further_contact'
        else 'consented'
    end as consent_state,
    withdrawals.withdrawal_date,
    coalesce(withdrawals.withdrawal_option = 'no_further_contact', false) as is_no_further_contact
from participants
left join withdrawals on participants.referral_id = withdrawals.referral_id
