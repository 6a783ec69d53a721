-- Variant layer (variants): per-genome bcftools-stats figures, per-contig counts,
-- rare-disease candidates and their tiers. Every row carries the ledger file (the VCF) it
-- came from, so a genome is processed exactly once (ledger.files sha256) and its rows
-- appear atomically with its ledger row.
-- source_line: summaries 1; sample stats the sample's column (1-based); contig counts the
-- contig's ordinal; candidates their ordinal in the genome; tiers the candidate's ordinal.
-- Idempotent: applied by warehouse.db.init_db.

create table if not exists raw.variant_summaries (
    ledger_file_id         bigint not null references ledger.files (file_id),
    source_line            bigint not null,
    delivery_date          date not null,
    file_name              text not null,
    family_id              text,                          -- from the manifest (null: not listed)
    sample_type            text,                        -- germline | tumour
    n_samples              integer not null,
    records                bigint not null,
    no_alts                bigint not null,
    snvs                   bigint not null,
    mnps                   bigint not null,
    indels                 bigint not null,
    others                 bigint not null,
    multiallelic_sites     bigint not null,
    multiallelic_snv_sites bigint not null,
    transitions            bigint not null,
    transversions          bigint not null,
    ts_tv                  double precision not null
);
create index if not exists variant_summaries_file on raw.variant_summaries (ledger_file_id);

create table if not exists raw.variant_sample_stats (
    ledger_file_id bigint not null references ledger.files (file_id),
    source_line    bigint not null,
    delivery_date  date not null,
    platekey       text not null,                  -- the VCF sample name
    referral_id    text,                        -- from the manifest
    ref_hom        bigint not null,
    non_ref_hom    bigint not null,
    het            bigint not null,
    transitions    bigint not null,
    transversions  bigint not null,
    indels         bigint not null,
    singletons     bigint not null,
    missing        bigint not null,
    mean_depth     double precision not null,
    haploid_ref    bigint not null,
    haploid_alt    bigint not null,
    chrx_het       bigint not null,
    chrx_hom_alt   bigint not null,
    chrx_het_ratio double precision,
    inferred_sex   text not null               -- male | female | unknown (from chrX)
);
create index if not exists variant_sample_stats_file on raw.variant_sample_stats (ledger_file_id);

create table if not exists raw.variant_contig_counts (
    ledger_file_id bigint not null references ledger.files (file_id),
    source_line    bigint not null,
    delivery_date  date not null,
    contig         text not null,
    records        bigint not null,
    snvs           bigint not null,
    indels         bigint not null
);
create index if not exists variant_contig_counts_file on raw.variant_contig_counts (ledger_file_id);

-- Everything tiering needs, so re-tiering never re-reads a VCF: `candidate` is the full
-- variants.tiering.Candidate (member genotypes, relationships, affection, sex).
create table if not exists raw.variant_candidates (
    ledger_file_id      bigint not null references ledger.files (file_id),
    source_line         bigint not null,
    delivery_date       date not null,
    family_id           text not null,
    proband_referral_id text not null,
    specific_disease    text not null,
    chrom               text not null,
    pos                 bigint not null,
    ref                 text not null,
    alt                 text not null,
    gene_symbol         text not null,
    hgnc_id             text,
    impact              text not null,
    consequences        text[] not null,
    gnomad_af           double precision not null,
    patterns            text[] not null,
    candidate           jsonb not null
);
create index if not exists variant_candidates_file on raw.variant_candidates (ledger_file_id);
create index if not exists variant_candidates_family on raw.variant_candidates (family_id);

-- One row per (candidate, applied panel version) that tiers; re-tiering against a newer
-- panel version adds rows, never rewrites old ones (the history is the audit trail).
create table if not exists raw.variant_tiers (
    ledger_file_id      bigint not null references ledger.files (file_id),
    source_line         bigint not null,          -- the candidate's source_line
    delivery_date       date not null,
    family_id           text not null,
    proband_referral_id text not null,
    chrom               text not null,
    pos                 bigint not null,
    ref                 text not null,
    alt                 text not null,
    gene_symbol         text not null,
    consequence         text not null,
    impact              text not null,
    gnomad_af           double precision not null,
    tier                smallint not null check (tier in (1, 2, 3)),
    segregation         text not null,
    mode_of_inheritance text,
    panel_id            integer,                        -- null: no panel applies (Tier 3 only)
    panel_name          text,
    panel_version       text,
    tiered_at           timestamptz not null default now()
);
create unique index if not exists variant_tiers_once on raw.variant_tiers
(ledger_file_id, source_line, coalesce(panel_id, -1), coalesce(panel_version, ''));
create index if not exists variant_tiers_family on raw.variant_tiers (family_id);
