-- HPO terms per participant: newest delivery of each (referral_id, hpo_id).
with

newest as (
    {{ newest_delivery(source('referrals', 'phenotypes'), ['referral_id', 'hpo_id']) }}
)

select
    newest.referral_id,
    newest.hpo_id,
    newest.observed = 'yes' as is_observed,
    newest.recorded_date,
    newest.delivery_date
from newest
inner join {{ ref('stg_referrals__participants') }} as participants
    on newest.referral_id = participants.referral_id
