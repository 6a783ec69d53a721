with

cohort_windows as (
    select * from {{ ref('fct_gmc_cohort_outcome_window') }}
),

by_solved_status as (
    select
        gmc_code,
        programme,
        disease_group,
        case when case_solved in ('yes', 'partially') then 'solved' else 'unsolved' end
            as solved_status,
        window_side,
        participants,
        person_years,
        admissions,
        emergency_admissions,
        bed_days
    from cohort_windows
),

counted as (
    select
        {{ cube_label('gmc_code') }},
        {{ cube_label('programme') }},
        {{ cube_label('disease_group') }},
        solved_status,
        window_side,
        sum(participants) as participants,
        sum(person_years) as person_years,
        sum(admissions) as admissions,
        sum(emergency_admissions) as emergency_admissions,
        sum(bed_days) as bed_days
    from by_solved_status
    group by cube (gmc_code, programme, disease_group), solved_status, window_side
)

select
    gmc_code,
    programme,
    disease_group,
    solved_status,
    window_side,
    {{ disclosure_control('participants') }} as participants,
    case when participants >= 8 then round(person_years::numeric, 1) end as person_years,
    {{ disclosure_control('admissions') }} as admissions,
    {{ disclosure_control('emergency_admissions') }} as emergency_admissions,
    {{ disclosure_control('bed_days') }} as bed_days,
    -- Rates need >= 8 participants, and are withheld where their numerator is suppressed
    -- (a rate times the published person-years would give the suppressed count away).
    case when participants >= 8 and admissions not between 1 and 7
            then round((admissions / nullif(person_years, 0))::numeric, 3)
    end
        as admissions_per_person_year,
    case when participants >= 8 and emergency_admissions not between 1 and 7
            then round((emergency_admissions / nullif(person_years, 0))::numeric, 3)
    end
        as emergency_admissions_per_person_year,
    case when participants >= 8 and bed_days not between 1 and 7
            then round((bed_days / nullif(person_years, 0))::numeric, 3)
    end
        as bed_days_per_person_year
from counted
