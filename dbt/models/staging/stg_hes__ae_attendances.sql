-- HES A&E, one row per attendance: newest delivery of each AEKEY.
with

newest as (
    {{ newest_delivery(source('raw', 'hes_ae'), ['aekey']) }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    newest.aekey as attendance_key,
    newest.participant_pseudonym,
    newest.procode as provider_code,
    newest.arrivaldate as arrival_date,
    newest.aearrivalmode as arrival_mode_code,
    newest.aeattenddisp as attendance_disposal_code,
    {%- for i in range(1, 13) %}
    nullif(newest.diag_{{ '%02d' % i }}, '') as diagnosis_{{ '%02d' % i }},
    {%- endfor %}
    newest.delivery_date
from newest
where newest.participant_pseudonym not in (
    select withdrawn.participant_pseudonym from withdrawn
)
