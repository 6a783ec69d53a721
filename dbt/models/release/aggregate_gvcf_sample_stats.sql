with

samples as (
    select * from {{ ref('int_release__samples') }}
),

sample_qc as (
    select * from {{ ref('fct_sample_qc') }}
)

select
    samples.participant_id,
    samples.platekey,
    samples.sample_type,
    sample_qc.mean_coverage,
    sample_qc.pct_bases_ge_15x,
    sample_qc.contamination_fraction,
    sample_qc.reported_sex,
    sample_qc.inferred_sex,
    sample_qc.is_sex_concordant,
    sample_qc.insert_size_median,
    sample_qc.reads_mapped_pct,
    samples.genotype_inferred_sex,
    samples.chrx_het_ratio,
    samples.mean_depth,
    samples.ts_tv,
    samples.het_hom_alt_ratio,
    samples.het_count,
    samples.hom_alt_count,
    samples.transitions + samples.transversions as snv_count,
    samples.indel_count,
    samples.singleton_count,
    null::text as sample_source,
    null::text as sample_preparation_method,
    null::text as sample_library_type,
    null::text as pred_african_ancestries,
    null::text as pred_south_asian_ancestries,
    null::text as pred_east_asian_ancestries,
    null::text as pred_european_ancestries,
    null::text as pred_american_ancestries
from samples
left join sample_qc on samples.platekey = sample_qc.platekey
