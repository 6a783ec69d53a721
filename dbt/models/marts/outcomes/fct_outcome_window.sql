with

referrals as (
    select * from {{ ref('fct_referral') }}
),

participants as (
    select * from {{ ref('dim_participant') }}
),

hospital_episodes as (
    select * from {{ ref('fct_hospital_episode') }}
),

spells as (
    select * from {{ ref('fct_admission_spell') }}
),

probands as (
    select
        referral.referral_id,
        referral.family_id,
        referral.gmc_code,
        referral.programme,
        referral.disease_group,
        referral.result_date,
        referral.case_solved,
        participant.date_of_death
    from referrals as referral
    inner join participants as participant
        on referral.referral_id = participant.referral_id
    where referral.is_proband and referral.result_date is not null
),

coverage as (
    select max(coalesce(episode_end_date, episode_start_date)) as hes_coverage_end
    from hospital_episodes
),

windows as (
    select
        probands.*,
        w.window_name,
        w.window_side,
        w.window_start,
        least(w.window_end, probands.date_of_death, coverage.hes_coverage_end + 1) as window_end
    from probands
    cross join coverage
    cross join lateral (
        values
        ('2y_before', 'before', probands.result_date - 730, probands.result_date),
        ('2y_after', 'after', probands.result_date, probands.result_date + 730),
        ('all_before', 'before', '1900-01-01'::date, probands.result_date),
        ('all_after', 'after', probands.result_date, '9999-12-31'::date)
    ) as w (window_name, window_side, window_start, window_end)
)

select
    windows.referral_id,
    windows.family_id,
    windows.gmc_code,
    windows.programme,
    windows.disease_group,
    windows.case_solved,
    windows.result_date,
    windows.window_name,
    windows.window_side,
    windows.window_start,
    windows.window_end,
    case
        when windows.window_name in ('2y_before', '2y_after')
            then round(greatest(windows.window_end - windows.window_start, 0) / 365.25, 4)
    end as person_years,
    count(spells.spell_key) as admissions,
    count(spells.spell_key) filter (where spells.is_emergency) as emergency_admissions,
    coalesce(sum(spells.bed_days), 0) as bed_days
from windows
left join spells
    on
        windows.referral_id = spells.referral_id
        and windows.window_start <= spells.admission_date
        and windows.window_end > spells.admission_date
group by
    windows.referral_id, windows.family_id, windows.gmc_code, windows.programme,
    windows.disease_group, windows.case_solved, windows.result_date, windows.window_name,
    windows.window_side, windows.window_start, windows.window_end
