with

source as (
    select * from {{ source('withdrawals', 'withdrawals') }}
),

newest as (
    {{ newest_delivery('source', ['referral_id']) }}
)

select
    referral_id,
    participant_pseudonym,
    withdrawal_date,
    withdrawal_option
from newest
