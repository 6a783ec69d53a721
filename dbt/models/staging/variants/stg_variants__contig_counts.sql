with

contig_counts as (
    select * from {{ source('variants', 'contig_counts') }}
),

summaries as (
    select * from {{ source('variants', 'summaries') }}
),

ranked as (
    select
        contig_counts.*,
        dense_rank() over (
            partition by summaries.file_name
            order by contig_counts.delivery_date desc, contig_counts.ledger_file_id desc
        ) as delivery_rank,
        summaries.file_name,
        summaries.family_id
    from contig_counts
    inner join summaries on contig_counts.ledger_file_id = summaries.ledger_file_id
)

select
    file_name,
    family_id,
    contig,
    records,
    snvs,
    indels,
    delivery_date
from ranked
where delivery_rank = 1
