-- Participants recruited, as a cube for the dashboard's filters: every combination of GMC,
-- programme, disease group and referral year, with 'ALL' (or a null year) where a filter
-- is left open. Each cell is counted from unrounded rows and then disclosure-controlled,
-- so the dashboard never has to add up rounded or suppressed figures (which would be wrong
-- and could undo the suppression by differencing).
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
