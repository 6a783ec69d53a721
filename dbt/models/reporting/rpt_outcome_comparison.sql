with

cohort_windows as (
    select * from {{ ref('fct_cohort_outcome_window') }}
)

select
    programme,
    disease_group,
    case_solved,
    window_side,
    {{ disclosure_control('participants') }} as participants,
    case when participants >= 8 then round(person_years::numeric, 1) end as person_years,
    {{ disclosure_control('admissions') }} as admissions,
    {{ disclosure_control('emergency_admissions') }} as emergency_admissions,
    case
        when participants >= 8
            then round({{ publishable_rate('admissions', 'person_years') }}, 3)
    end as admissions_per_person_year,
    case
        when participants >= 8
            then round({{ publishable_rate('emergency_admissions', 'person_years') }}, 3)
    end as emergency_admissions_per_person_year,
    case
        when participants >= 8
            then round({{ publishable_rate('bed_days', 'person_years') }}, 3)
    end as bed_days_per_person_year
from cohort_windows
