with

episodes as (
    select * from {{ ref('stg_hes__apc_episodes') }}
    where admission_date is not null
),

spells as (
    select
        participant_pseudonym,
        provider_code,
        admission_date,
        max(discharge_date) as discharge_date,
        max(coalesce(discharge_date, episode_end_date, episode_start_date)) as spell_end_date,
        count(*) as episode_count,
        min(episode_key) filter (where episode_order = 1) as first_episode_key,
        bool_or(episode_order = 1) as has_first_episode
    from episodes
    group by participant_pseudonym, provider_code, admission_date
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
    last_episode.discharge_method_code = '4' as died_in_spell
from spells
left join episodes as first_episode
    on spells.first_episode_key = first_episode.episode_key
left join lateral (
    select e.discharge_method_code
    from episodes as e
    where
        e.participant_pseudonym = spells.participant_pseudonym
        and e.provider_code = spells.provider_code
        and e.admission_date = spells.admission_date
    order by e.episode_order desc nulls last, e.episode_start_date desc
    limit 1
) as last_episode on true
