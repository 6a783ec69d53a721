-- Raw layer: validated, pseudonymised rows exactly as delivered. Every delivery is kept
-- (corrections arrive as newer deliveries; dbt staging picks the newest per business key).
-- Every row carries the ledger file it came from, its source line and the delivery date.
-- No NHS number or full date of birth is ever stored here (see loaders.pseudonymise).
-- For JSON feeds (panelapp, sequencing qc) source_line is the 1-based position of the
-- panel in the delivered list (qc: always 1).
-- ledger_file_id has no foreign key or index on purpose: raw is append-only and bulk-loaded
-- in the same transaction as its ledger row (loaders.ingest.ledger), and a per-row RI
-- trigger would cost more than the whole Python validation of a HES row.
-- Idempotent: applied by warehouse.db.init_db.

create table if not exists raw.referrals_participants (
    ledger_file_id          bigint not null,
    source_line             bigint not null,
    delivery_date           date not null,
    referral_id             text not null,
    gmc_code                text not null,
    participant_pseudonym   text not null,      -- HMAC-SHA256 of the validated NHS number
    year_of_birth           smallint not null,          -- the only part of the date of birth kept
    age_at_referral         smallint not null,        -- completed years at referral_date
    sex                     text not null,
    family_id               text not null,
    relationship_to_proband text not null,
    affection_status        text not null,
    programme               text not null,
    disease_group           text not null,
    specific_disease        text not null,
    referral_date           date not null,
    consent_status          text not null
);

create table if not exists raw.referrals_phenotypes (
    ledger_file_id bigint not null,
    source_line    bigint not null,
    delivery_date  date not null,
    referral_id    text not null,
    hpo_id         text not null,
    observed       text not null,
    recorded_date  date not null
);

create table if not exists raw.referrals_tumours (
    ledger_file_id           bigint not null,
    source_line              bigint not null,
    delivery_date            date not null,
    referral_id              text not null,
    tumour_id                text not null,
    tumour_icd10             text not null,
    diagnosis_date           date not null,
    tumour_sample_platekey   text not null,
    germline_sample_platekey text not null
);

create table if not exists raw.results_exit_questionnaires (
    ledger_file_id      bigint not null,
    source_line         bigint not null,
    delivery_date       date not null,
    family_id           text not null,
    referral_id         text not null,
    result_date         date not null,
    case_solved         text not null,
    causal_gene         text,
    causal_variant      text,
    acmg_classification text,
    actionability       text not null
);

create table if not exists raw.sequencing_manifest (
    ledger_file_id bigint not null,
    source_line    bigint not null,
    delivery_date  date not null,
    platekey       text not null,
    referral_id    text not null,
    family_id      text not null,
    sample_type    text not null,
    file_name      text not null,
    file_type      text not null,
    genome_build   text not null,
    sha256         text not null
);

create table if not exists raw.sequencing_qc (
    ledger_file_id         bigint not null,
    source_line            bigint not null,
    delivery_date          date not null,
    platekey               text not null,
    mean_coverage          double precision not null,
    pct_bases_ge_15x       double precision not null,
    contamination_fraction double precision not null,
    reported_sex           text not null,
    inferred_sex           text not null,
    insert_size_median     double precision not null,
    reads_mapped_pct       double precision not null
);

create table if not exists raw.hes_apc (
    ledger_file_id        bigint not null,
    source_line           bigint not null,
    delivery_date         date not null,
    participant_pseudonym text not null,
    sex                   text not null,
    procode               text not null,
    epikey                text not null,
    admidate              date,
    epistart              date not null,
    epiend                date,
    disdate               date,
    epiorder              smallint,
    admimeth              text,
    admisorc              text,
    dismeth               text,
    disdest               text,
    classpat              text,
    mainspef              text,
    tretspef              text,
    diag_4_01             text,
    diag_4_02             text,
    diag_4_03             text,
    diag_4_04             text,
    diag_4_05             text,
    diag_4_06             text,
    diag_4_07             text,
    diag_4_08             text,
    diag_4_09             text,
    diag_4_10             text,
    diag_4_11             text,
    diag_4_12             text,
    diag_4_13             text,
    diag_4_14             text,
    diag_4_15             text,
    diag_4_16             text,
    diag_4_17             text,
    diag_4_18             text,
    diag_4_19             text,
    diag_4_20             text,
    opertn_4_01           text,
    opertn_4_02           text,
    opertn_4_03           text,
    opertn_4_04           text,
    opertn_4_05           text,
    opertn_4_06           text,
    opertn_4_07           text,
    opertn_4_08           text,
    opertn_4_09           text,
    opertn_4_10           text,
    opertn_4_11           text,
    opertn_4_12           text,
    opertn_4_13           text,
    opertn_4_14           text,
    opertn_4_15           text,
    opertn_4_16           text,
    opertn_4_17           text,
    opertn_4_18           text,
    opertn_4_19           text,
    opertn_4_20           text,
    opertn_4_21           text,
    opertn_4_22           text,
    opertn_4_23           text,
    opertn_4_24           text
);

create table if not exists raw.hes_op (
    ledger_file_id        bigint not null,
    source_line           bigint not null,
    delivery_date         date not null,
    participant_pseudonym text not null,
    sex                   text not null,
    procode               text not null,
    attendkey             text not null,
    apptdate              date not null,
    attended              text,
    firstatt              text,
    mainspef              text,
    tretspef              text,
    diag_4_01             text,
    diag_4_02             text,
    diag_4_03             text,
    diag_4_04             text,
    diag_4_05             text,
    diag_4_06             text,
    diag_4_07             text,
    diag_4_08             text,
    diag_4_09             text,
    diag_4_10             text,
    diag_4_11             text,
    diag_4_12             text,
    opertn_4_01           text,
    opertn_4_02           text,
    opertn_4_03           text,
    opertn_4_04           text,
    opertn_4_05           text,
    opertn_4_06           text,
    opertn_4_07           text,
    opertn_4_08           text,
    opertn_4_09           text,
    opertn_4_10           text,
    opertn_4_11           text,
    opertn_4_12           text,
    opertn_4_13           text,
    opertn_4_14           text,
    opertn_4_15           text,
    opertn_4_16           text,
    opertn_4_17           text,
    opertn_4_18           text,
    opertn_4_19           text,
    opertn_4_20           text,
    opertn_4_21           text,
    opertn_4_22           text,
    opertn_4_23           text,
    opertn_4_24           text
);

create table if not exists raw.hes_ae (
    ledger_file_id        bigint not null,
    source_line           bigint not null,
    delivery_date         date not null,
    participant_pseudonym text not null,
    sex                   text not null,
    procode               text not null,
    aekey                 text not null,
    arrivaldate           date not null,
    aearrivalmode         text,
    aeattenddisp          text,
    diag_01               text,
    diag_02               text,
    diag_03               text,
    diag_04               text,
    diag_05               text,
    diag_06               text,
    diag_07               text,
    diag_08               text,
    diag_09               text,
    diag_10               text,
    diag_11               text,
    diag_12               text
);

create table if not exists raw.mortality_deaths (
    ledger_file_id        bigint not null,
    source_line           bigint not null,
    delivery_date         date not null,
    participant_pseudonym text not null,
    dod                   date not null,
    dor                   date not null,
    cause_of_death        text not null,
    cause_of_death_1      text,
    cause_of_death_2      text,
    cause_of_death_3      text,
    cause_of_death_4      text,
    cause_of_death_5      text,
    cause_of_death_6      text,
    cause_of_death_7      text,
    cause_of_death_8      text,
    cause_of_death_9      text,
    cause_of_death_10     text,
    cause_of_death_11     text,
    cause_of_death_12     text,
    cause_of_death_13     text,
    cause_of_death_14     text,
    cause_of_death_15     text
);

create table if not exists raw.panelapp_panels (
    ledger_file_id     bigint not null,
    source_line        bigint not null,
    delivery_date      date not null,
    panel_id           integer not null,
    name               text not null,
    version            text not null,
    relevant_disorders text[] not null
);

create table if not exists raw.panelapp_genes (
    ledger_file_id      bigint not null,
    source_line         bigint not null,
    delivery_date       date not null,
    panel_id            integer not null,
    panel_version       text not null,
    gene_symbol         text not null,
    hgnc_id             text not null,
    confidence_level    text not null,
    mode_of_inheritance text not null
);

create table if not exists raw.withdrawals (
    ledger_file_id        bigint not null,
    source_line           bigint not null,
    delivery_date         date not null,
    referral_id           text not null,
    participant_pseudonym text not null,
    withdrawal_date       date not null,
    withdrawal_option     text not null
);

-- Incremental dbt models read the rows of the files loaded since their last build. Ledger
-- ids only grow with the order rows are written in, so a BRIN index over them finds those
-- rows at almost no cost to loading (a btree on millions of HES rows would slow every COPY).
create index if not exists hes_apc_ledger_file on raw.hes_apc using brin (ledger_file_id);
create index if not exists hes_op_ledger_file on raw.hes_op using brin (ledger_file_id);
create index if not exists hes_ae_ledger_file on raw.hes_ae using brin (ledger_file_id);
