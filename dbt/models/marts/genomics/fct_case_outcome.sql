with

outcomes as (
    select * from {{ ref('stg_results__exit_questionnaires') }}
),

families as (
    select * from {{ ref('dim_family') }}
)

select
    outcomes.family_id,
    outcomes.proband_referral_id,
    families.gmc_code,
    families.programme,
    families.disease_group,
    families.specific_disease,
    outcomes.result_date,
    outcomes.case_solved,
    outcomes.case_solved = 'yes' as is_solved,
    outcomes.case_solved = 'partially' as is_partially_solved,
    outcomes.causal_gene,
    outcomes.causal_variant,
    outcomes.acmg_classification,
    outcomes.actionability
from outcomes
inner join families on outcomes.family_id = families.family_id
