-- The GMC's recorded outcome per family: newest delivery of each family_id.
with

newest as (
    {{ newest_delivery(source('results', 'exit_questionnaires'), ['family_id']) }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    family_id,
    referral_id as proband_referral_id,
    result_date,
    case_solved,
    nullif(causal_gene, '') as causal_gene,
    nullif(causal_variant, '') as causal_variant,
    nullif(acmg_classification, '') as acmg_classification,
    actionability,
    delivery_date
from newest
where referral_id not in (select withdrawn.referral_id from withdrawn)
