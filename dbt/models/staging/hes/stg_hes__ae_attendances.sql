with

source as (
    select * from {{ source('hes', 'ae') }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    aekey as attendance_key,
    participant_pseudonym,
    procode as provider_code,
    arrivaldate as arrival_date,
    aearrivalmode as arrival_mode_code,
    aeattenddisp as attendance_disposal_code,
    {%- for i in range(1, 13) %}
        nullif(source.diag_{{ '%02d' % i }}, '') as diagnosis_{{ '%02d' % i }},
    {%- endfor %}
    delivery_date,
    ledger_file_id,
    source_line
from source
where participant_pseudonym not in (
        select withdrawn.participant_pseudonym from withdrawn
    )
