with

source as (
    select * from {{ source('panelapp', 'genes') }}
),

ranked as (
    select
        panel_id,
        panel_version,
        gene_symbol,
        hgnc_id,
        confidence_level,
        mode_of_inheritance,
        row_number() over (
            partition by panel_id, panel_version, gene_symbol
            order by delivery_date, ledger_file_id
        ) as delivery_rank
    from source
)

select
    panel_id,
    panel_version,
    gene_symbol,
    hgnc_id,
    confidence_level,
    case confidence_level
        when '3' then 'green' when '2' then 'amber' when '1' then 'red'
    end as confidence_colour,
    mode_of_inheritance
from ranked
where delivery_rank = 1
