-- HES outpatients, one row per appointment: newest delivery of each ATTENDKEY.
with

newest as (
    {{ newest_delivery(source('raw', 'hes_op'), ['attendkey']) }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    newest.attendkey as appointment_key,
    newest.participant_pseudonym,
    newest.procode as provider_code,
    newest.apptdate as appointment_date,
    newest.attended as attendance_code,
    newest.firstatt as first_attendance_code,
    newest.mainspef as main_specialty_code,
    newest.tretspef as treatment_specialty_code,
    {%- for i in range(1, 13) %}
    nullif(newest.diag_4_{{ '%02d' % i }}, '') as diagnosis_{{ '%02d' % i }},
    {%- endfor %}
    {%- for i in range(1, 25) %}
    nullif(nullif(newest.opertn_4_{{ '%02d' % i }}, ''), '-') as procedure_{{ '%02d' % i }},
    {%- endfor %}
    newest.delivery_date
from newest
where newest.participant_pseudonym not in (
    select withdrawn.participant_pseudonym from withdrawn
)
