with

episodes as (
    select * from {{ ref('int_hes__apc_episodes') }}
),

opcs4_codes as (
    select * from {{ ref('stg_code_systems__opcs4_codes') }}
),

unpivoted as (
    {%- for i in range(1, 25) %}
        select
            episode_key,
            participant_pseudonym,
            {{ i }} as procedure_position,
            procedure_{{ '%02d' % i }} as hes_opcs4_code
        from episodes
        where procedure_{{ '%02d' % i }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    unpivoted.episode_key,
    unpivoted.participant_pseudonym,
    unpivoted.procedure_position,
    unpivoted.procedure_position = 1 as is_main_procedure,
    unpivoted.hes_opcs4_code,
    opcs.opcs4_code,
    opcs.title as opcs4_title
from unpivoted
left join opcs4_codes as opcs
    on unpivoted.hes_opcs4_code = opcs.hes_code
