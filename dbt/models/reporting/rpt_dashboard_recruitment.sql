with

participants as (
    select
        gmc_code,
        programme,
        disease_group,
        extract(year from referral_date)::integer as referral_year,
        relationship_to_proband = 'proband' as is_proband
    from {{ ref('dim_participant') }}
),

counted as (
    select
        {{ cube_label('gmc_code') }},
        {{ cube_label('programme') }},
        {{ cube_label('disease_group') }},
        referral_year,
        grouping(referral_year) = 1 as is_all_years,
        count(*) as participants,
        count(*) filter (where is_proband) as probands
    from participants
    group by cube (gmc_code, programme, disease_group, referral_year)
)

select
    gmc_code,
    programme,
    disease_group,
    referral_year,
    is_all_years,
    {{ disclosure_control('participants') }} as participants,
    {{ disclosure_control('probands') }} as probands
from counted
