-- One row per referred participant with the milestones of the pathway: referral →
-- sequencing delivered → tiering (the report's content) → result recorded by the GMC's MDT
-- (exit questionnaire), and the days between them.
with

participants as (
    select * from {{ ref('stg_referrals__participants') }}
),

pedigree as (
    select * from {{ ref('int_pedigree') }}
),

tiering as (
    select
        family_id,
        min(tiered_date) as first_tiered_date,
        count(*) filter (where tier = 1) as tier1_variant_count,
        count(*) filter (where tier = 2) as tier2_variant_count,
        count(*) filter (where tier = 3) as tier3_variant_count
    from {{ ref('int_variants__highest_tier') }}
    group by family_id
),

outcomes as (
    select * from {{ ref('stg_results__exit_questionnaires') }}
)

select
    participants.referral_id,
    participants.family_id,
    participants.gmc_code,
    participants.programme,
    participants.disease_group,
    participants.specific_disease,
    participants.relationship_to_proband = 'proband' as is_proband,
    participants.referral_date,
    pedigree.germline_delivered_date as sequencing_delivered_date,
    tiering.first_tiered_date,
    outcomes.result_date,
    outcomes.case_solved,
    coalesce(tiering.tier1_variant_count, 0) as tier1_variant_count,
    coalesce(tiering.tier2_variant_count, 0) as tier2_variant_count,
    coalesce(tiering.tier3_variant_count, 0) as tier3_variant_count,
    pedigree.germline_delivered_date - participants.referral_date as days_referral_to_sequencing,
    tiering.first_tiered_date - pedigree.germline_delivered_date as days_sequencing_to_report,
    outcomes.result_date - tiering.first_tiered_date as days_report_to_result,
    outcomes.result_date - participants.referral_date as days_referral_to_result
from participants
left join pedigree on participants.referral_id = pedigree.referral_id
left join tiering on participants.family_id = tiering.family_id
left join outcomes on participants.family_id = outcomes.family_id
