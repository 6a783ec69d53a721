-- Load ledger: every delivery folder and every file the loaders have seen, with row
-- reconciliation (rows_delivered = rows_loaded + rows_quarantined + rows_excluded).
-- A file's ledger row is written in the same transaction as its raw/quarantine rows, so a
-- killed load leaves neither, and the next run loads the file again from scratch.
-- Idempotent: applied by warehouse.db.init_db on every `gwh db init`.

create table if not exists ledger.deliveries (
    delivery_id   bigserial primary key,
    feed          text not null,
    path          text not null unique,        -- folder, relative to the landing root
    delivery_date date not null,               -- from the folder name (YYYY-MM: last day)
    gmc_code      text,                        -- referrals/results only
    first_seen_at timestamptz not null default now()
);

create table if not exists ledger.files (
    file_id          bigserial primary key,
    delivery_id      bigint references ledger.deliveries (delivery_id),
    feed             text not null,
    kind             text not null,             -- participants, hes_apc, qc, vcf, ...
    path             text not null,             -- relative to the landing root
    sha256           text,                      -- null only when the file was never read
    size_bytes       bigint,
    status           text not null check (
        status in ('loaded', 'quarantined', 'refused', 'duplicate', 'missing', 'failed')
    ),
    rows_delivered   bigint not null default 0,
    rows_loaded      bigint not null default 0,
    rows_quarantined bigint not null default 0,
    rows_excluded    bigint not null default 0, -- e.g. consent_status = declined
    excluded_reason  text,
    duplicate_of     bigint references ledger.files (file_id),
    started_at       timestamptz not null default now(),
    finished_at      timestamptz,
    error            text,                      -- never holds identifiers (see loaders.ingest)
    constraint files_reconcile
    check (rows_delivered = rows_loaded + rows_quarantined + rows_excluded)
);

-- Exactly once: one content is loaded (or quarantined whole) at most once, whatever its path.
create unique index if not exists files_sha256_once
on ledger.files (sha256) where status in ('loaded', 'quarantined');
create index if not exists files_path on ledger.files (path);
create index if not exists files_delivery on ledger.files (delivery_id);

-- A consent withdrawal removes rows that were loaded (or quarantined) from raw and
-- quarantine: the file's counts at load time stay, and these say how many went since, so
-- raw rows = rows_loaded - rows_withdrawn holds on clean data and fails only on a real loss.
alter table ledger.files add column if not exists rows_withdrawn bigint not null default 0;
alter table ledger.files
add column if not exists quarantined_withdrawn bigint not null default 0;

-- Every content a delivered file has had. A withdrawal rewrites landing files without the
-- participant's lines; exactly-once must hold for the original bytes (a supplier's retry
-- re-sends them) and for every rewrite (the next run sees the rewritten file). The original
-- stays in ledger.files.sha256; each rewrite adds a row here.
create table if not exists ledger.file_contents (
    file_id     bigint not null references ledger.files (file_id),
    sha256      text not null,
    size_bytes  bigint,
    recorded_at timestamptz not null default now(),
    cause       text not null,
    primary key (file_id, sha256)
);
create index if not exists file_contents_sha256 on ledger.file_contents (sha256);

-- A delivery every file of which has a final ledger row: later runs skip it without reading
-- (hashing) its files again, so a night costs what it delivers, not the whole landing area.
alter table ledger.deliveries add column if not exists completed_at timestamptz;
