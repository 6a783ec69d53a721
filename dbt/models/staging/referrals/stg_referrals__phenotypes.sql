with

source as (
    select * from {{ source('referrals', 'phenotypes') }}
),

participants as (
    select * from {{ ref('stg_referrals__participants') }}
),

newest as (
    {{ newest_delivery('source', ['referral_id', 'hpo_id']) }}
)

select
    newest.referral_id,
    newest.hpo_id,
    newest.observed = 'yes' as is_observed,
    newest.recorded_date,
    newest.delivery_date
from newest
inner join participants on newest.referral_id = participants.referral_id
