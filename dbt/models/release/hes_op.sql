{#- One row per HES outpatient appointment of a released participant (newest revision),
    every diagnosis and procedure position as HES writes it. -#}
with

appointments as (
    select * from {{ ref('fct_outpatient_appointment') }}
),

revisions as (
    select * from {{ ref('int_hes__op_appointments') }}
),

participants as (
    select * from {{ ref('int_release__participants') }}
)

select
    participants.participant_id,
    appointments.appointment_key as attendkey,
    appointments.appointment_date as apptdate,
    appointments.attendance_code as attended,
    appointments.first_attendance_code as firstatt,
    appointments.main_specialty_code as mainspef,
    appointments.treatment_specialty_code as tretspef,
    appointments.provider_code as procode,
    {%- for i in range(1, 13) %}
        revisions.diagnosis_{{ '%02d' % i }} as diag_{{ '%02d' % i }},
    {%- endfor %}
    nullif(concat_ws(
        '|',
        {%- for i in range(1, 13) %}
            revisions.diagnosis_{{ '%02d' % i }}{{ ',' if not loop.last }}
        {%- endfor %}
    ), '') as diag_all,
    {%- for i in range(1, 25) %}
        revisions.procedure_{{ '%02d' % i }} as opertn_{{ '%02d' % i }},
    {%- endfor %}
    nullif(concat_ws(
        '|',
        {%- for i in range(1, 25) %}
            revisions.procedure_{{ '%02d' % i }}{{ ',' if not loop.last }}
        {%- endfor %}
    ), '') as opertn_all
from appointments
inner join participants on appointments.referral_id = participants.referral_id
inner join revisions on appointments.appointment_key = revisions.appointment_key
