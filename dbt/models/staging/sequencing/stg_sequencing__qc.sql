-- Sample QC per platekey: newest delivery wins.
with

newest as (
    {{ newest_delivery(source('sequencing', 'qc'), ['platekey']) }}
)

select
    platekey,
    mean_coverage,
    pct_bases_ge_15x,
    contamination_fraction,
    reported_sex,
    inferred_sex,
    reported_sex = inferred_sex as is_sex_concordant,
    insert_size_median,
    reads_mapped_pct,
    delivery_date
from newest
where platekey in (
        select manifest.platekey from {{ ref('stg_sequencing__manifest') }} as manifest
    )
