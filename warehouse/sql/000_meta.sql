-- Bookkeeping for `gwh db init`: when the schema was last initialised and by which version.
-- Every DDL file in this folder is idempotent (IF NOT EXISTS) and applied in name order.
create table if not exists audit.schema_init (
    initialised_at  timestamptz not null default now(),
    package_version text not null
);

insert into audit.schema_init (package_version) values ('0.1.0');
