with

tiers as (
    select * from {{ ref('stg_variants__tiers') }}
),

participants as (
    select * from {{ ref('int_release__participants') }}
)

select distinct
    participants.participant_id,
    participants.germline_platekey as sample_id,
    tiers.panel_name,
    tiers.panel_version
from tiers
inner join participants on tiers.proband_referral_id = participants.referral_id
where tiers.panel_id is not null
