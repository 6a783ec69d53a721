with

cohort_windows as (
    select * from {{ ref('fct_gmc_cohort_outcome_window') }}
),

summed_over_gmcs as (
    select
        programme,
        disease_group,
        case_solved,
        window_name,
        window_side,
        sum(participants)::bigint as participants,
        sum(person_years) as person_years,
        sum(admissions) as admissions,
        sum(emergency_admissions) as emergency_admissions,
        sum(bed_days) as bed_days
    from cohort_windows
    group by programme, disease_group, case_solved, window_name, window_side
)

select
    programme,
    disease_group,
    case_solved,
    window_name,
    window_side,
    participants,
    person_years,
    admissions,
    emergency_admissions,
    bed_days,
    admissions / nullif(person_years, 0) as admissions_per_person_year,
    emergency_admissions / nullif(person_years, 0) as emergency_admissions_per_person_year,
    bed_days / nullif(person_years, 0) as bed_days_per_person_year
from summed_over_gmcs
