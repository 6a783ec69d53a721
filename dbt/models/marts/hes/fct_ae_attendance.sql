with

attendances as (
    select * from {{ ref('stg_hes__ae_attendances') }}
),

participants as (
    select
        referral_id,
        participant_pseudonym
    from {{ ref('stg_referrals__participants') }}
)

select
    attendances.attendance_key,
    participants.referral_id,
    attendances.provider_code,
    attendances.arrival_date,
    attendances.arrival_mode_code,
    attendances.attendance_disposal_code,
    attendances.diagnosis_01 as primary_diagnosis_code
from attendances
inner join participants
    on attendances.participant_pseudonym = participants.participant_pseudonym
