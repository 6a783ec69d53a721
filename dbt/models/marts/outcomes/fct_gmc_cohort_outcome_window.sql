with

two_year_windows as (
    select * from {{ ref('fct_outcome_window') }}
    where window_name in ('2y_before', '2y_after')
),

summed as (
    select
        gmc_code,
        programme,
        disease_group,
        case_solved,
        window_name,
        window_side,
        count(*) as participants,
        sum(person_years) as person_years,
        sum(admissions) as admissions,
        sum(emergency_admissions) as emergency_admissions,
        sum(bed_days) as bed_days
    from two_year_windows
    group by gmc_code, programme, disease_group, case_solved, window_name, window_side
)

select * from summed
