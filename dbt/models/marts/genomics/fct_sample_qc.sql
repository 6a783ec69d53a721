with

qc as (
    select * from {{ ref('stg_sequencing__qc') }}
),

manifest as (
    select * from {{ ref('stg_sequencing__manifest') }}
),

samples as (
    select distinct
        platekey,
        referral_id,
        family_id,
        sample_type,
        sequencing_delivery_date
    from manifest
)

select
    qc.platekey,
    samples.referral_id,
    samples.family_id,
    samples.sample_type,
    samples.sequencing_delivery_date,
    qc.mean_coverage,
    qc.pct_bases_ge_15x,
    qc.contamination_fraction,
    qc.reported_sex,
    qc.inferred_sex,
    qc.is_sex_concordant,
    qc.insert_size_median,
    qc.reads_mapped_pct
from qc
inner join samples on qc.platekey = samples.platekey
