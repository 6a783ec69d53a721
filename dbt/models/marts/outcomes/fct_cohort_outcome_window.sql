-- Admissions, emergency admissions and bed days per person-year in the two years before
-- and after the result, by case solved status and disease group (unrounded; the reporting
-- layer applies disclosure control).
select
    programme,
    disease_group,
    case_solved,
    window_name,
    window_side,
    count(*) as participants,
    sum(person_years) as person_years,
    sum(admissions) as admissions,
    sum(emergency_admissions) as emergency_admissions,
    sum(bed_days) as bed_days,
    sum(admissions) / nullif(sum(person_years), 0) as admissions_per_person_year,
    sum(emergency_admissions) / nullif(sum(person_years), 0)
        as emergency_admissions_per_person_year,
    sum(bed_days) / nullif(sum(person_years), 0) as bed_days_per_person_year
from {{ ref('fct_outcome_window') }}
where window_name in ('2y_before', '2y_after')
group by programme, disease_group, case_solved, window_name, window_side
