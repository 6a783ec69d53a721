with

panel_genes as (
    select * from {{ ref('stg_panelapp__panel_genes') }}
),

panels as (
    select * from {{ ref('stg_panelapp__panels') }}
),

first_green as (
    select
        panel_genes.panel_id,
        panel_genes.gene_symbol,
        min(panels.panel_version_parts) as first_green_version_parts
    from panel_genes
    inner join panels
        on panel_genes.panel_id = panels.panel_id
            and panel_genes.panel_version = panels.panel_version
    where panel_genes.confidence_colour = 'green'
    group by panel_genes.panel_id, panel_genes.gene_symbol
)

select
    panel_genes.panel_id::text
    || '@'
    || panel_genes.panel_version
    || ':'
    || panel_genes.gene_symbol as panel_gene_key,
    panel_genes.panel_id::text || '@' || panel_genes.panel_version
        as panel_version_key,
    panel_genes.panel_id,
    panels.panel_name,
    panel_genes.panel_version,
    panel_genes.gene_symbol,
    panel_genes.hgnc_id,
    panel_genes.confidence_level,
    panel_genes.confidence_colour,
    panel_genes.mode_of_inheritance,
    array_to_string(first_green.first_green_version_parts, '.') as first_green_version
from panel_genes
inner join panels
    on panel_genes.panel_id = panels.panel_id and panel_genes.panel_version = panels.panel_version
left join first_green
    on panel_genes.panel_id = first_green.panel_id
        and panel_genes.gene_symbol = first_green.gene_symbol
