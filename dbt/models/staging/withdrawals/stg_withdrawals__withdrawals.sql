-- Consent withdrawals: the newest per referral (a participant can move from
-- no_further_contact to no_further_use).
with

newest as (
    {{ newest_delivery(source('withdrawals', 'withdrawals'), ['referral_id']) }}
)

select
    referral_id,
    participant_pseudonym,
    withdrawal_date,
    withdrawal_option
from newest
