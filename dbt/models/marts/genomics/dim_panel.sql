with

panels as (
    select * from {{ ref('stg_panelapp__panels') }}
),

panel_genes as (
    select * from {{ ref('stg_panelapp__panel_genes') }}
),

genes as (
    select
        panel_id,
        panel_version,
        count(*) filter (where confidence_colour = 'green') as green_genes,
        count(*) filter (where confidence_colour = 'amber') as amber_genes,
        count(*) filter (where confidence_colour = 'red') as red_genes
    from panel_genes
    group by panel_id, panel_version
)

select
    panels.panel_id::text || '@' || panels.panel_version as panel_version_key,
    panels.panel_id,
    panels.panel_name,
    panels.panel_version,
    panels.relevant_disorders,
    panels.first_delivered_date,
    coalesce(genes.green_genes, 0) as green_genes,
    coalesce(genes.amber_genes, 0) as amber_genes,
    coalesce(genes.red_genes, 0) as red_genes,
    row_number() over (
        partition by panels.panel_id order by panels.panel_version_parts desc
    ) = 1 as is_latest_version
from panels
left join genes
    on panels.panel_id = genes.panel_id and panels.panel_version = genes.panel_version
