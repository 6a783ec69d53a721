with

episodes as (
    select * from {{ ref('int_hes__apc_episodes') }}
),

icd10_codes as (
    select * from {{ ref('stg_code_systems__icd10_codes') }}
),

unpivoted as (
    {%- for i in range(1, 21) %}
        select
            episode_key,
            participant_pseudonym,
            {{ i }} as diagnosis_position,
            diagnosis_{{ '%02d' % i }} as hes_icd10_code
        from episodes
        where diagnosis_{{ '%02d' % i }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    unpivoted.episode_key,
    unpivoted.participant_pseudonym,
    unpivoted.diagnosis_position,
    unpivoted.diagnosis_position = 1 as is_primary,
    unpivoted.hes_icd10_code,
    icd.icd10_code,
    icd.description as icd10_description,
    icd.chapter as icd10_chapter
from unpivoted
left join icd10_codes as icd
    on unpivoted.hes_icd10_code = icd.hes_code
