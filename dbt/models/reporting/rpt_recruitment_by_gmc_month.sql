with

participants as (
    select * from {{ ref('dim_participant') }}
),

gmcs as (
    select * from {{ ref('dim_gmc') }}
),

recruitment as (
    select
        gmc_code,
        programme,
        date_trunc('month', referral_date)::date as referral_month,
        count(*) as participants
    from participants
    group by gmc_code, programme, date_trunc('month', referral_date)
),

with_totals as (
    select
        gmc_code,
        programme,
        referral_month,
        participants
    from recruitment
    union all
    select
        'ALL' as gmc_code,
        programme,
        referral_month,
        sum(participants) as participants
    from recruitment
    group by programme, referral_month
)

select
    with_totals.gmc_code,
    coalesce(gmc.gmc_name, 'All GMCs') as gmc_name,
    with_totals.programme,
    with_totals.referral_month,
    {{ disclosure_control('with_totals.participants') }} as participants
from with_totals
left join gmcs as gmc on with_totals.gmc_code = gmc.gmc_code
