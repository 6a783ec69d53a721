{{
    config(
        materialized='incremental',
        unique_key='referral_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['attendance_key'], 'unique': True},
            {'columns': ['referral_id']},
        ],
        post_hook=["{{ remove_withdrawn('referral_id') }}", "{{ advance_watermark() }}"],
    )
}}
-- depends_on: {{ ref('stg_ledger__files') }}
with

attendances as (
    select * from {{ ref('int_hes__ae_attendances') }}
    {% if is_incremental() %}
        -- every row of each participant whose records or referral changed since the
        -- last build, rebuilt whole (delete+insert by referral)
        where participant_pseudonym in ({{ changed_participants(ref('int_hes__ae_attendances')) }})
    {% endif %}
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
