-- Sample QC per platekey: newest delivery wins.
with

newest as (
    {{ newest_delivery(source('raw', 'sequencing_qc'), ['platekey']) }}
)

select
    newest.platekey,
    newest.mean_coverage,
    newest.pct_bases_ge_15x,
    newest.contamination_fraction,
    newest.reported_sex,
    newest.inferred_sex,
    newest.reported_sex = newest.inferred_sex as is_sex_concordant,
    newest.insert_size_median,
    newest.reads_mapped_pct,
    newest.delivery_date
from newest
where newest.platekey in (
    select manifest.platekey from {{ ref('stg_sequencing__manifest') }} as manifest
)
