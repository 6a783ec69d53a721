with

participants as (
    select * from {{ ref('stg_referrals__participants') }}
),

pedigree as (
    select * from {{ ref('int_pedigree') }}
),

highest_tiers as (
    select * from {{ ref('int_variants__highest_tier') }}
),

tiers as (
    select * from {{ ref('stg_variants__tiers') }}
),

manifest as (
    select * from {{ ref('stg_sequencing__manifest') }}
),

outcomes as (
    select * from {{ ref('stg_results__exit_questionnaires') }}
),

tiering as (
    select
        family_id,
        count(*) filter (where tier = 1) as tier1_variant_count,
        count(*) filter (where tier = 2) as tier2_variant_count,
        count(*) filter (where tier = 3) as tier3_variant_count
    from highest_tiers
    group by family_id
),

first_tiering as (
    select
        family_id,
        min(vcf_delivery_date) as first_tiered_date
    from tiers
    group by family_id
),

-- The warehouse's first sequencing delivery is the historic backlog: its delivery date is
-- when the warehouse received the genomes, not when they were sequenced.
backlog as (
    select min(sequencing_delivery_date) as backlog_delivery_date
    from manifest
),

milestones as (
    select
        participants.*,
        pedigree.germline_delivered_date,
        first_tiering.first_tiered_date,
        pedigree.germline_delivered_date = backlog.backlog_delivery_date as is_backlog_genome
    from participants
    cross join backlog
    left join pedigree on participants.referral_id = pedigree.referral_id
    left join first_tiering on participants.family_id = first_tiering.family_id
)

select
    milestones.referral_id,
    milestones.family_id,
    milestones.gmc_code,
    milestones.programme,
    milestones.disease_group,
    milestones.specific_disease,
    milestones.relationship_to_proband = 'proband' as is_proband,
    milestones.referral_date,
    milestones.germline_delivered_date as sequencing_delivered_date,
    milestones.first_tiered_date,
    outcomes.result_date,
    outcomes.case_solved,
    coalesce(milestones.is_backlog_genome, false) as is_backlog_genome,
    coalesce(tiering.tier1_variant_count, 0) as tier1_variant_count,
    coalesce(tiering.tier2_variant_count, 0) as tier2_variant_count,
    coalesce(tiering.tier3_variant_count, 0) as tier3_variant_count,
    case
        when not milestones.is_backlog_genome
            then milestones.germline_delivered_date - milestones.referral_date
    end as days_referral_to_sequencing,
    case
        when not milestones.is_backlog_genome
            then milestones.first_tiered_date - milestones.germline_delivered_date
    end as days_sequencing_to_report,
    case
        when
            not milestones.is_backlog_genome
            and outcomes.result_date >= milestones.first_tiered_date
            then outcomes.result_date - milestones.first_tiered_date
    end as days_report_to_result,
    outcomes.result_date - milestones.referral_date as days_referral_to_result
from milestones
left join tiering on milestones.family_id = tiering.family_id
left join outcomes on milestones.family_id = outcomes.family_id
