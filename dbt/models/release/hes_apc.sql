{#- One row per HES admitted-patient-care episode of a released participant: the newest
    revision of each episode (as the marts keep it), with every diagnosis and procedure
    position as HES writes it, lower-case column names, no `_4_` infix. -#}
with

episodes as (
    select * from {{ ref('fct_hospital_episode') }}
),

diagnoses as (
    select * from {{ ref('int_hes__apc_diagnoses') }}
),

procedures as (
    select * from {{ ref('int_hes__apc_procedures') }}
),

participants as (
    select * from {{ ref('int_release__participants') }}
),

diagnosis_positions as (
    select
        episode_key,
        {%- for i in range(1, 21) %}
            min(hes_icd10_code) filter (where diagnosis_position = {{ i }})
                as diag_{{ '%02d' % i }},
        {%- endfor %}
        string_agg(hes_icd10_code, '|' order by diagnosis_position) as diag_all
    from diagnoses
    group by episode_key
),

procedure_positions as (
    select
        episode_key,
        {%- for i in range(1, 25) %}
            min(hes_opcs4_code) filter (where procedure_position = {{ i }})
                as opertn_{{ '%02d' % i }},
        {%- endfor %}
        string_agg(hes_opcs4_code, '|' order by procedure_position) as opertn_all
    from procedures
    group by episode_key
)

select
    participants.participant_id,
    episodes.episode_key as epikey,
    episodes.admission_date as admidate,
    episodes.episode_start_date as epistart,
    episodes.episode_end_date as epiend,
    episodes.discharge_date as disdate,
    episodes.episode_order as epiorder,
    episodes.admission_method_code as admimeth,
    episodes.admission_source_code as admisorc,
    episodes.discharge_method_code as dismeth,
    episodes.discharge_destination_code as disdest,
    episodes.patient_classification_code as classpat,
    episodes.main_specialty_code as mainspef,
    episodes.treatment_specialty_code as tretspef,
    episodes.provider_code as procode,
    null::text as susrecid,
    {%- for i in range(1, 21) %}
        diagnosis_positions.diag_{{ '%02d' % i }},
    {%- endfor %}
    diagnosis_positions.diag_all,
    {%- for i in range(1, 25) %}
        procedure_positions.opertn_{{ '%02d' % i }},
    {%- endfor %}
    procedure_positions.opertn_all
from episodes
inner join participants on episodes.referral_id = participants.referral_id
left join diagnosis_positions on episodes.episode_key = diagnosis_positions.episode_key
left join procedure_positions on episodes.episode_key = procedure_positions.episode_key
