-- Singular test: a Tier 1 or 2 variant's gene is green, with a panel version recorded, on a
-- panel that applies to the proband's specific disease (domain.md: only green genes of the
-- applied panel drive Tier 1 and 2).
select
    variant.family_variant_key,
    variant.gene_symbol,
    variant.panel_id,
    variant.panel_version
from {{ ref('fct_tiered_variant') }} as variant
left join {{ ref('dim_panel_gene') }} as panel_gene
    on
        variant.panel_id = panel_gene.panel_id
        and variant.panel_version = panel_gene.panel_version
        and variant.gene_symbol = panel_gene.gene_symbol
        and panel_gene.confidence_colour = 'green'
where variant.tier in (1, 2) and panel_gene.panel_gene_key is null
