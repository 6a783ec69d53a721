with

source as (
    select * from {{ source('hes', 'op') }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    attendkey as appointment_key,
    participant_pseudonym,
    procode as provider_code,
    apptdate as appointment_date,
    attended as attendance_code,
    firstatt as first_attendance_code,
    mainspef as main_specialty_code,
    tretspef as treatment_specialty_code,
    {%- for i in range(1, 13) %}
        nullif(source.diag_4_{{ '%02d' % i }}, '') as diagnosis_{{ '%02d' % i }},
    {%- endfor %}
    {%- for i in range(1, 25) %}
        nullif(nullif(source.opertn_4_{{ '%02d' % i }}, ''), '-') as procedure_{{ '%02d' % i }},
    {%- endfor %}
    delivery_date,
    ledger_file_id,
    source_line
from source
where participant_pseudonym not in (
        select withdrawn.participant_pseudonym from withdrawn
    )
