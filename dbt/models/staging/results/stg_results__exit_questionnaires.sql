with

source as (
    select * from {{ source('results', 'exit_questionnaires') }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
),

newest as (
    {{ newest_delivery('source', ['family_id']) }}
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
    delivery_date,
    ledger_file_id
from newest
where referral_id not in (select withdrawn.referral_id from withdrawn)
