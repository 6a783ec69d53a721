{#- One row per HES A&E attendance of a released participant (newest revision), every
    diagnosis position as HES writes it. -#}
with

attendances as (
    select * from {{ ref('fct_ae_attendance') }}
),

revisions as (
    select * from {{ ref('int_hes__ae_attendances') }}
),

participants as (
    select * from {{ ref('int_release__participants') }}
)

select
    participants.participant_id,
    attendances.attendance_key as aekey,
    null::text as epikey,
    attendances.arrival_date as arrivaldate,
    attendances.arrival_mode_code as aearrivalmode,
    attendances.attendance_disposal_code as aeattenddisp,
    attendances.provider_code as procode,
    '02'::text as diagscheme,
    {%- for i in range(1, 13) %}
        revisions.diagnosis_{{ '%02d' % i }} as diag_{{ '%02d' % i }},
    {%- endfor %}
    nullif(concat_ws(
        '|',
        {%- for i in range(1, 13) %}
            revisions.diagnosis_{{ '%02d' % i }}{{ ',' if not loop.last }}
        {%- endfor %}
    ), '') as diag_all
from attendances
inner join participants on attendances.referral_id = participants.referral_id
inner join revisions on attendances.attendance_key = revisions.attendance_key
