{#- One row per tiered variant x tier x panel context, each panel at the newest version the
    family's variant was tiered against (as the marts' highest-tier view takes it), in the
    vocabularies of the programme's report models (GelReportModels enums). -#}
with

tiers as (
    select * from {{ ref('stg_variants__tiers') }}
),

panels as (
    select * from {{ ref('dim_panel') }}
),

participants as (
    select * from {{ ref('int_release__participants') }}
),

parents as (
    select * from {{ ref('int_release__parents') }}
),

newest_panel_version as (
    select
        tiers.*,
        row_number() over (
            partition by tiers.family_variant_key, tiers.panel_id
            order by string_to_array(panels.panel_version, '.')::integer[] desc nulls last
        ) as version_rank
    from tiers
    left join panels
        on tiers.panel_id = panels.panel_id and tiers.panel_version = panels.panel_version
)

select
    participants.participant_id,
    participants.rare_diseases_family_id,
    participants.rare_diseases_family_id::text || '-1' as interpretation_request_id,
    participants.germline_platekey as sample_id,
    coalesce(tiered.panel_name, participants.specific_disease) as phenotype,
    participants.participant_type,
    'GRCh38'::text as assembly,
    regexp_replace(tiered.chrom, '^chr', '') as chromosome,
    tiered.pos as position,
    tiered.ref as reference,
    tiered.alt as alternate,
    case
        when tiered.segregation = 'homozygous' then 'alternate_homozygous'
        when tiered.segregation = 'x_linked_hemizygous' then 'alternate_hemizigous'
        else 'heterozygous'
    end as genotype,
    case
        when tiered.mode_of_inheritance like 'MONOALLELIC%' then 'monoallelic'
        when tiered.mode_of_inheritance like 'BIALLELIC%' then 'biallelic'
        when tiered.mode_of_inheritance like 'BOTH%' then 'monoallelic_and_biallelic'
        when tiered.mode_of_inheritance like 'X-LINKED%' then 'xlinked_biallelic'
        else 'unknown'
    end as mode_of_inheritance,
    case tiered.segregation
        when 'de_novo' then 'deNovo'
        when 'inherited_dominant' then 'InheritedAutosomalDominant'
        when 'homozygous' then 'SimpleRecessive'
        when 'compound_heterozygous' then 'CompoundHeterozygous'
        when 'x_linked_hemizygous' then 'XLinkedHemizygous'
    end as segregation_pattern,
    'complete'::text as penetrance,
    'TIER' || tiered.tier::text as tier,
    tiered.gene_symbol as genomic_feature_hgnc,
    null::text as ensembl_id,
    tiered.consequence as consequence_type,
    case tiered.consequence
        when 'transcript_ablation' then 'SO:0001893'
        when 'splice_acceptor_variant' then 'SO:0001574'
        when 'splice_donor_variant' then 'SO:0001575'
        when 'stop_gained' then 'SO:0001587'
        when 'frameshift_variant' then 'SO:0001589'
        when 'stop_lost' then 'SO:0001578'
        when 'start_lost' then 'SO:0002012'
        when 'missense_variant' then 'SO:0001583'
        when 'inframe_insertion' then 'SO:0001821'
        when 'inframe_deletion' then 'SO:0001822'
        when 'protein_altering_variant' then 'SO:0001818'
        when 'splice_region_variant' then 'SO:0001630'
        when 'synonymous_variant' then 'SO:0001819'
    end as so_term,
    coalesce(parents.father_affected, 'Unknown') as father_affected,
    coalesce(parents.mother_affected, 'Unknown') as mother_affected,
    null::text as full_brothers_affected,
    null::text as full_sisters_affected,
    participants.phenotypic_sex as participant_phenotypic_sex
from newest_panel_version as tiered
inner join participants on tiered.proband_referral_id = participants.referral_id
left join parents on participants.family_id = parents.family_id
where tiered.version_rank = 1
