-- Research data releases (governance/releases): release_vN schemas cut from the marts.
--
-- release_admin holds what only the release builder may read: the integer ids assigned once
-- per participant and per family (the only link from a release back to the warehouse), and
-- the catalogue of releases, their notes and their amendment log. Researchers never read it.

create table if not exists release_admin.participant_ids (
    participant_id integer generated always as identity (start with 100000001) primary key,
    referral_id    text not null unique,
    assigned_at    timestamptz not null default now()
);
comment on table release_admin.participant_ids is
'release participant_id assigned once per referral and never reused; release builder only';

create table if not exists release_admin.family_ids (
    rare_diseases_family_id integer generated always as identity (start with 200000001)
    primary key,
    family_id               text not null unique,
    assigned_at             timestamptz not null default now()
);
comment on table release_admin.family_ids is
'release rare_diseases_family_id assigned once per family and never reused';

create table if not exists release_admin.releases (
    version            integer primary key,
    schema_name        text not null unique,
    cut_at             timestamptz not null default now(),
    cut_date           date not null default current_date,
    night_of           date,                    -- the night whose promoted state it was cut from
    reporting_built_at timestamptz,          -- when that night's reporting layer was promoted
    participants       integer not null,
    checksum           text not null,           -- md5 over every table's ordered rows, at the cut
    cut_seconds        double precision,
    bytes              bigint
);

create table if not exists release_admin.release_tables (
    version    integer not null references release_admin.releases (version),
    table_name text not null,
    row_count  bigint not null,
    columns    text[] not null,
    primary key (version, table_name)
);

-- What changed since the previous release (counts and names only, never a participant).
create table if not exists release_admin.release_notes (
    version    integer not null references release_admin.releases (version),
    section    text not null,    -- rows | participants | columns
    table_name text,
    item       text not null,    -- e.g. added, removed, column name
    value      bigint,
    previous   bigint
);

-- The only change a published release ever receives: a no_further_use withdrawal.
create table if not exists release_admin.amendments (
    amendment_id         bigint generated always as identity primary key,
    version              integer not null references release_admin.releases (version),
    amended_at           timestamptz not null default now(),
    reason               text not null,
    participants_removed integer not null,
    rows_removed         bigint not null
);

revoke all on schema release_admin, release_build, release_latest from public;
revoke all on all tables in schema release_admin, release_build from public;

-- dbt (gwh_transformer) builds the release views into release_build.
alter schema release_build owner to gwh_transformer;
grant usage, create on schema release_build to gwh_transformer;
grant usage on schema release_admin to gwh_transformer;
grant select on release_admin.participant_ids, release_admin.family_ids to gwh_transformer;

-- Researchers: read-only, every published release and release_latest, nothing else.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'gwh_researcher') then
        begin
            create role gwh_researcher nologin;
            comment on role gwh_researcher is
            'genomics-warehouse: reads the published research releases only, read-only';
        exception when duplicate_object or unique_violation then
            null;  -- created meanwhile by a concurrent init of another database
        end;
    end if;
end
$$;
grant usage on schema release_latest to gwh_researcher;

-- The data-quality results of a release cut are stored as stage 'release' (databases
-- initialised before releases existed get the wider check here).
alter table dq.checkpoint_runs drop constraint if exists checkpoint_runs_stage_check;
alter table dq.checkpoint_runs add constraint checkpoint_runs_stage_check
check (stage in ('raw', 'genomics', 'marts', 'release'));
alter table dq.validation_results drop constraint if exists validation_results_stage_check;
alter table dq.validation_results add constraint validation_results_stage_check
check (stage in ('raw', 'genomics', 'marts', 'release'));
