with

source as (
    select * from {{ source('hes', 'apc') }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    epikey as episode_key,
    participant_pseudonym,
    procode as provider_code,
    sex as hes_sex_code,
    admidate as admission_date,
    epistart as episode_start_date,
    epiend as episode_end_date,
    disdate as discharge_date,
    epiorder as episode_order,
    admimeth as admission_method_code,
    admisorc as admission_source_code,
    dismeth as discharge_method_code,
    disdest as discharge_destination_code,
    classpat as patient_classification_code,
    mainspef as main_specialty_code,
    tretspef as treatment_specialty_code,
    {%- for i in range(1, 21) %}
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
