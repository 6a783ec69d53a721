-- The GMC's recorded outcome per family: newest delivery of each family_id.
with

newest as (
    {{ newest_delivery(source('raw', 'results_exit_questionnaires'), ['family_id']) }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    newest.family_id,
    newest.referral_id as proband_referral_id,
    newest.result_date,
    newest.case_solved,
    nullif(newest.causal_gene, '') as causal_gene,
    nullif(newest.causal_variant, '') as causal_variant,
    nullif(newest.acmg_classification, '') as acmg_classification,
    newest.actionability,
    newest.delivery_date
from newest
where newest.referral_id not in (select withdrawn.referral_id from withdrawn)
