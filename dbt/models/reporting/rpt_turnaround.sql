with

referrals as (
    select * from {{ ref('fct_referral') }}
    where is_proband
),

stages as (
    select
        gmc_code,
        programme,
        'referral_to_sequencing' as stage,
        days_referral_to_sequencing as days
    from referrals
    union all
    select
        gmc_code,
        programme,
        'sequencing_to_report' as stage,
        days_sequencing_to_report as days
    from referrals
    union all
    select
        gmc_code,
        programme,
        'report_to_result' as stage,
        days_report_to_result as days
    from referrals
    union all
    select
        gmc_code,
        programme,
        'referral_to_result' as stage,
        days_referral_to_result as days
    from referrals
),

by_gmc as (
    select
        gmc_code,
        programme,
        stage,
        days
    from stages
    where days is not null
    union all
    select
        'ALL' as gmc_code,
        programme,
        stage,
        days
    from stages
    where days is not null
),

summarised as (
    select
        gmc_code,
        programme,
        stage,
        count(*) as probands,
        percentile_cont(0.25) within group (order by days) as p25_days,
        percentile_cont(0.5) within group (order by days) as median_days,
        percentile_cont(0.75) within group (order by days) as p75_days,
        percentile_cont(0.9) within group (order by days) as p90_days
    from by_gmc
    group by gmc_code, programme, stage
)

select
    gmc_code,
    programme,
    stage,
    {{ disclosure_control('probands') }} as probands,
    case when probands >= 8 then round(p25_days::numeric, 1) end as p25_days,
    case when probands >= 8 then round(median_days::numeric, 1) end as median_days,
    case when probands >= 8 then round(p75_days::numeric, 1) end as p75_days,
    case when probands >= 8 then round(p90_days::numeric, 1) end as p90_days
from summarised
