with

days as (
    select generate_series('2000-01-01'::date, '2035-12-31'::date, interval '1 day')::date
        as calendar_date
)

select
    calendar_date,
    extract(year from calendar_date)::int as calendar_year,
    extract(quarter from calendar_date)::int as calendar_quarter,
    extract(month from calendar_date)::int as calendar_month,
    to_char(calendar_date, 'YYYY-MM') as calendar_year_month,
    date_trunc('month', calendar_date)::date as month_start,
    -- NHS financial year starts on 1 April (HES year-to-date deliveries follow it).
    case
        when extract(month from calendar_date) >= 4
            then extract(year from calendar_date)::int
        else extract(year from calendar_date)::int - 1
    end as financial_year_start,
    extract(isodow from calendar_date)::int as iso_day_of_week
from days
