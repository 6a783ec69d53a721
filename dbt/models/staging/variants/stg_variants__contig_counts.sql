-- Records, SNVs and indels per contig of each VCF (newest VCF per file name wins).
with

counts as (
    select
        counts.*,
        dense_rank() over (
            partition by summaries.file_name
            order by counts.delivery_date desc, counts.ledger_file_id desc
        ) as delivery_rank,
        summaries.file_name,
        summaries.family_id
    from {{ source('variants', 'contig_counts') }} as counts
    inner join {{ source('variants', 'summaries') }} as summaries
        on counts.ledger_file_id = summaries.ledger_file_id
)

select
    file_name,
    family_id,
    contig,
    records,
    snvs,
    indels,
    delivery_date
from counts
where delivery_rank = 1
