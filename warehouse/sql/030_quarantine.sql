-- Quarantine: the only place raw delivered lines (which may hold NHS numbers and dates of
-- birth) are kept. Restricted to the loader role (grants are a later issue).
-- Idempotent: applied by warehouse.db.init_db.

create table if not exists quarantine.rows (
    ledger_file_id bigint not null references ledger.files (file_id),
    line_number    bigint not null,             -- physical line where the record starts
    reason         text not null,               -- domain.reasons.RowReason
    message        text not null,               -- never echoes identifiers
    raw_line       text not null                -- as delivered; NUL bytes written as \x00
);
create index if not exists rows_file on quarantine.rows (ledger_file_id);

create table if not exists quarantine.files (
    ledger_file_id bigint not null references ledger.files (file_id),
    reason         text not null,               -- domain.reasons.FileReason
    message        text not null,
    quarantined_at timestamptz not null default now()
);
create index if not exists files_file on quarantine.files (ledger_file_id);
