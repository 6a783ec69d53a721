with

participants as (
    select * from {{ ref('int_release__participants') }}
),

phenotypes as (
    select * from {{ ref('stg_referrals__phenotypes') }}
),

hpo_terms as (
    select * from {{ ref('dim_hpo_term') }}
)

select
    participants.participant_id,
    phenotypes.hpo_id,
    hpo_terms.hpo_name as hpo_term,
    case when phenotypes.is_observed then 'Yes' else 'No' end as hpo_present,
    phenotypes.hpo_id as normalised_hpo_id,
    hpo_terms.hpo_name as normalised_hpo_term,
    phenotypes.recorded_date as phenotype_report_date,
    null::text as laterality
from phenotypes
inner join participants on phenotypes.referral_id = participants.referral_id
left join hpo_terms on phenotypes.hpo_id = hpo_terms.hpo_id
where participants.is_rare_disease
