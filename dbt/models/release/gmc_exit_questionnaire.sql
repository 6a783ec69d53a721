with

outcomes as (
    select * from {{ ref('fct_case_outcome') }}
),

participants as (
    select * from {{ ref('int_release__participants') }}
),

variants as (
    select
        *,
        string_to_array(causal_variant, ':') as variant_parts
    from outcomes
)

select
    participants.participant_id,
    participants.rare_diseases_family_id as family_id,
    variants.result_date as event_date,
    variants.case_solved as case_solved_family,
    case variants.acmg_classification
        when 'pathogenic' then 'pathogenic_variant'
        when 'likely_pathogenic' then 'likely_pathogenic_variant'
        when 'vus' then 'variant_of_unknown_clinical_significance'
        when 'likely_benign' then 'likely_benign_variant'
        when 'benign' then 'benign_variant'
    end as acmg_classification,
    variants.actionability,
    variants.causal_gene as gene_name,
    case when variants.causal_variant is not null then 'GRCh38' end as assembly,
    regexp_replace(variants.variant_parts[1], '^chr', '') as chromosome,
    variants.variant_parts[2]::bigint as position,
    variants.variant_parts[3] as reference,
    variants.variant_parts[4] as alternate,
    null::text as clinical_utility,
    null::text as confirmation_decision
from variants
inner join participants on variants.proband_referral_id = participants.referral_id
