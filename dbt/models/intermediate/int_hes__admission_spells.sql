{{
    config(
        materialized='incremental',
        unique_key='participant_pseudonym',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['spell_key'], 'unique': True},
            {'columns': ['participant_pseudonym']},
            {'columns': ['content_ledger_file_id']},
        ],
        post_hook=["{{ remove_withdrawn('participant_pseudonym') }}", "{{ advance_watermark() }}"],
    )
}}
-- depends_on: {{ ref('stg_ledger__files') }}
with

all_episodes as (
    select * from {{ ref('int_hes__apc_episodes') }}
    where admission_date is not null
),

{% if is_incremental() %}
    -- a spell is rebuilt whole, with every other spell of its participant, whenever one
    -- of their episodes changed since the last build
    changed_participants as (
        select distinct participant_pseudonym
        from all_episodes
        where content_ledger_file_id > {{ incremental_watermark() }}
    ),

    episodes as (
        select * from all_episodes
        where participant_pseudonym in (
                select changed_participants.participant_pseudonym from changed_participants
            )
    ),
{% else %}
    episodes as (
        select * from all_episodes
    ),
{% endif %}

spells as (
    select
        participant_pseudonym,
        provider_code,
        admission_date,
        max(discharge_date) as discharge_date,
        max(coalesce(discharge_date, episode_end_date, episode_start_date)) as spell_end_date,
        count(*) as episode_count,
        min(episode_key) filter (where episode_order = 1) as first_episode_key,
        bool_or(episode_order = 1) as has_first_episode,
        max(content_ledger_file_id) as content_ledger_file_id
    from episodes
    group by participant_pseudonym, provider_code, admission_date
),

last_episodes as (
    select distinct on (participant_pseudonym, provider_code, admission_date)
        participant_pseudonym,
        provider_code,
        admission_date,
        discharge_method_code
    from episodes
    order by
        participant_pseudonym asc,
        provider_code asc,
        admission_date asc,
        episode_order desc nulls last,
        episode_start_date desc,
        episode_key desc
)

select
    spells.participant_pseudonym
    || '|'
    || spells.provider_code
    || '|'
    || spells.admission_date::text as spell_key,
    spells.participant_pseudonym,
    spells.provider_code,
    spells.admission_date,
    spells.discharge_date,
    spells.spell_end_date - spells.admission_date as bed_days,
    spells.episode_count,
    spells.has_first_episode,
    first_episode.admission_method_code,
    first_episode.patient_classification_code,
    first_episode.treatment_specialty_code,
    first_episode.diagnosis_01 as primary_diagnosis_code,
    first_episode.admission_method_code in (
        '21', '22', '23', '24', '25', '2A', '2B', '2C', '2D'
    ) as is_emergency,
    first_episode.admission_method_code in ('11', '12', '13') as is_elective,
    last_episodes.discharge_method_code = '4' as died_in_spell,
    spells.content_ledger_file_id
from spells
left join episodes as first_episode
    on spells.first_episode_key = first_episode.episode_key
left join last_episodes
    on
        spells.participant_pseudonym = last_episodes.participant_pseudonym
        and spells.provider_code = last_episodes.provider_code
        and spells.admission_date = last_episodes.admission_date
