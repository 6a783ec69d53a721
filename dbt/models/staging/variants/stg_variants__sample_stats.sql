with

sample_stats as (
    select * from {{ source('variants', 'sample_stats') }}
),

files as (
    select * from {{ source('variants', 'summaries') }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
),

samples as (
    select
        *,
        row_number() over (
            partition by platekey
            order by delivery_date desc, ledger_file_id desc
        ) as delivery_rank
    from sample_stats
)

select
    samples.platekey,
    samples.referral_id,
    files.family_id,
    files.file_name,
    files.sample_type,
    samples.ref_hom as ref_hom_count,
    samples.non_ref_hom as hom_alt_count,
    samples.het as het_count,
    samples.transitions,
    samples.transversions,
    samples.indels as indel_count,
    samples.singletons as singleton_count,
    samples.missing as missing_count,
    samples.mean_depth,
    samples.chrx_het_ratio,
    samples.inferred_sex as genotype_inferred_sex,
    files.records as file_records,
    files.snvs as file_snvs,
    files.indels as file_indels,
    files.ts_tv as file_ts_tv,
    samples.delivery_date
from samples
inner join files on samples.ledger_file_id = files.ledger_file_id
where
    samples.delivery_rank = 1
    and coalesce(samples.referral_id, '') not in (select withdrawn.referral_id from withdrawn)
