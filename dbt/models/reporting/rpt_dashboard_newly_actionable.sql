with

panels as (
    select * from {{ ref('dim_panel') }}
),

panel_genes as (
    select * from {{ ref('dim_panel_gene') }}
),

tiered_variants as (
    select * from {{ ref('fct_tiered_variant') }}
),

families as (
    select * from {{ ref('dim_family') }}
),

panel_versions as (
    select
        panel_id,
        panel_version,
        first_delivered_date,
        row_number() over (partition by panel_id order by first_delivered_date, panel_version)
            as version_number
    from panels
),

last_update as (
    select max(first_delivered_date) as last_panel_update_date
    from panel_versions
    where version_number > 1
),

promoted as (
    select
        variant.family_id,
        variant.tier,
        versions.first_delivered_date as panel_update_date,
        fam.gmc_code,
        fam.programme,
        fam.disease_group
    from tiered_variants as variant
    inner join panel_genes as gene
        on
            variant.panel_id = gene.panel_id
            and variant.panel_version = gene.panel_version
            and variant.gene_symbol = gene.gene_symbol
    inner join panel_versions as versions
        on variant.panel_id = versions.panel_id and variant.panel_version = versions.panel_version
    inner join families as fam on variant.family_id = fam.family_id
    where
        variant.tier in (1, 2)
        and gene.first_green_version = variant.panel_version
        and versions.version_number > 1
),

counted as (
    select
        {{ cube_label('gmc_code') }},
        {{ cube_label('programme') }},
        {{ cube_label('disease_group') }},
        panel_update_date,
        grouping(panel_update_date) = 1 as is_all_updates,
        count(*) as variants,
        count(*) filter (where tier = 1) as tier1_variants,
        count(*) filter (where tier = 2) as tier2_variants,
        count(distinct family_id) as families
    from promoted
    group by cube (gmc_code, programme, disease_group, panel_update_date)
)

select
    counted.gmc_code,
    counted.programme,
    counted.disease_group,
    counted.panel_update_date,
    counted.is_all_updates,
    last_update.last_panel_update_date,
    {{ disclosure_control('counted.variants') }} as variants,
    {{ disclosure_control('counted.tier1_variants') }} as tier1_variants,
    {{ disclosure_control('counted.tier2_variants') }} as tier2_variants,
    {{ disclosure_control('counted.families') }} as families
from counted
cross join last_update
