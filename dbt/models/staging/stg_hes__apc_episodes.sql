-- HES admitted patient care, one row per episode: newest delivery of each EPIKEY (monthly
-- year-to-date re-deliveries revise earlier rows).
with

newest as (
    {{ newest_delivery(source('raw', 'hes_apc'), ['epikey']) }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    newest.epikey as episode_key,
    newest.participant_pseudonym,
    newest.procode as provider_code,
    newest.sex as hes_sex_code,
    newest.admidate as admission_date,
    newest.epistart as episode_start_date,
    newest.epiend as episode_end_date,
    newest.disdate as discharge_date,
    newest.epiorder as episode_order,
    newest.admimeth as admission_method_code,
    newest.admisorc as admission_source_code,
    newest.dismeth as discharge_method_code,
    newest.disdest as discharge_destination_code,
    newest.classpat as patient_classification_code,
    newest.mainspef as main_specialty_code,
    newest.tretspef as treatment_specialty_code,
    {%- for i in range(1, 21) %}
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
