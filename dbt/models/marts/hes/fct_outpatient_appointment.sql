{{
    config(
        materialized='incremental',
        unique_key='referral_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['appointment_key'], 'unique': True},
            {'columns': ['referral_id']},
        ],
        post_hook=["{{ remove_withdrawn('referral_id') }}", "{{ advance_watermark() }}"],
    )
}}
-- depends_on: {{ ref('stg_ledger__files') }}
with

appointments as (
    select * from {{ ref('int_hes__op_appointments') }}
    {% if is_incremental() %}
        -- every row of each participant whose records or referral changed since the
        -- last build, rebuilt whole (delete+insert by referral)
        where participant_pseudonym in ({{ changed_participants(ref('int_hes__op_appointments')) }})
    {% endif %}
),

participants as (
    select
        referral_id,
        participant_pseudonym
    from {{ ref('stg_referrals__participants') }}
)

select
    appointments.appointment_key,
    participants.referral_id,
    appointments.provider_code,
    appointments.appointment_date,
    appointments.attendance_code,
    appointments.attendance_code in ('5', '6') as was_seen,
    appointments.attendance_code = '3' as did_not_attend,
    appointments.first_attendance_code,
    appointments.main_specialty_code,
    appointments.treatment_specialty_code,
    appointments.diagnosis_01 as primary_diagnosis_code,
    appointments.procedure_01 as main_procedure_code
from appointments
inner join participants
    on appointments.participant_pseudonym = participants.participant_pseudonym
