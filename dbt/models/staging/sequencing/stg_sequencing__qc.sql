with

source as (
    select * from {{ source('sequencing', 'qc') }}
),

manifest as (
    select * from {{ ref('stg_sequencing__manifest') }}
),

newest as (
    {{ newest_delivery('source', ['platekey']) }}
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
where platekey in (select manifest.platekey from manifest)
