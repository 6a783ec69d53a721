with

participants as (
    select * from {{ ref('stg_referrals__participants') }}
),

manifest as (
    select * from {{ ref('stg_sequencing__manifest') }}
),

germline as (
    select
        referral_id,
        min(platekey) as germline_platekey,
        min(sequencing_delivery_date) as germline_delivered_date
    from manifest
    where sample_type = 'germline'
    group by referral_id
)

select
    participants.family_id,
    participants.referral_id,
    participants.participant_pseudonym,
    participants.relationship_to_proband,
    participants.relationship_to_proband = 'proband' as is_proband,
    participants.affection_status,
    participants.sex,
    participants.programme,
    participants.gmc_code,
    germline.germline_platekey,
    germline.germline_delivered_date
from participants
left join germline on participants.referral_id = germline.referral_id
