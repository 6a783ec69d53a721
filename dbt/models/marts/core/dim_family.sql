with

pedigree as (
    select * from {{ ref('int_pedigree') }}
),

participants as (
    select * from {{ ref('stg_referrals__participants') }}
),

families as (
    select
        family_id,
        count(*) as member_count,
        count(germline_platekey) as sequenced_member_count,
        bool_or(
            relationship_to_proband = 'mother' and germline_platekey is not null
        )
            as has_mother_sequenced,
        bool_or(
            relationship_to_proband = 'father' and germline_platekey is not null
        )
            as has_father_sequenced,
        count(*) filter (where affection_status = 'affected') as affected_count,
        -- every member of a family is referred by the same GMC in the same programme
        min(gmc_code) as gmc_code,
        min(programme) as programme
    from pedigree
    group by family_id
)

select
    families.family_id,
    proband.referral_id as proband_referral_id,
    families.gmc_code,
    families.programme,
    proband.disease_group,
    proband.specific_disease,
    families.member_count,
    families.sequenced_member_count,
    families.affected_count,
    case
        when
            families.has_mother_sequenced and families.has_father_sequenced
            and families.sequenced_member_count = 3
            then 'trio'
        when families.has_mother_sequenced and families.has_father_sequenced then 'trio_plus'
        when families.has_mother_sequenced or families.has_father_sequenced then 'duo'
        when families.sequenced_member_count = 1 then 'singleton'
        else 'other'
    end as family_structure,
    families.has_mother_sequenced and families.has_father_sequenced as has_both_parents_sequenced
from families
left join participants as proband
    on
        families.family_id = proband.family_id
        and proband.relationship_to_proband = 'proband'
