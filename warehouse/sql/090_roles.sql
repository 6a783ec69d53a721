-- Roles and privileges (matrix in docs/security.md).
--
--   gwh_loader       ledger, raw, quarantine: read/write. The only role that reads quarantine.
--   gwh_transformer  reads ledger, raw; owns staging, intermediate, marts, snapshots,
--                    reporting_build, reporting, dq (dbt and the data-quality checks run as it).
--   gwh_analyst      reads marts only.
--   gwh_reporting    reads reporting only (every row).
--   gwh_gmc_<code>   reads the reporting tables that have a gmc_code column, own GMC's rows
--                    only (row-level security applied by warehouse.promote on each promotion).
--
-- All are NOLOGIN group roles: deployments create LOGIN users and GRANT these roles to them
-- (passwords never live in this repository; see .env.example).
--
-- Roles are cluster-wide while this file runs once per database, possibly for several
-- databases at the same moment (tests, parallel Airflow tasks). CREATE ROLE therefore runs in
-- its own sub-transaction and a concurrent creator's duplicate is swallowed; nothing else
-- here touches shared catalogs. Idempotent: applied by warehouse.db.init_db.

do $$
declare
    r record;
begin
    for r in
        select * from (values
            ('gwh_loader', 'loads landing files into ledger, raw and quarantine'),
            ('gwh_transformer', 'dbt: reads raw and ledger, owns staging to reporting'),
            ('gwh_analyst', 'reads the marts only'),
            ('gwh_reporting', 'reads the published reporting schema only (all GMCs)'),
            ('gwh_gmc_eoe', 'reporting rows of GMC EOE only'),
            ('gwh_gmc_gma', 'reporting rows of GMC GMA only'),
            ('gwh_gmc_ich', 'reporting rows of GMC ICH only'),
            ('gwh_gmc_nec', 'reporting rows of GMC NEC only'),
            ('gwh_gmc_nwc', 'reporting rows of GMC NWC only'),
            ('gwh_gmc_oxf', 'reporting rows of GMC OXF only'),
            ('gwh_gmc_slo', 'reporting rows of GMC SLO only'),
            ('gwh_gmc_swp', 'reporting rows of GMC SWP only'),
            ('gwh_gmc_ucl', 'reporting rows of GMC UCL only'),
            ('gwh_gmc_wes', 'reporting rows of GMC WES only'),
            ('gwh_gmc_wmi', 'reporting rows of GMC WMI only'),
            ('gwh_gmc_yah', 'reporting rows of GMC YAH only'),
            ('gwh_gmc_woe', 'reporting rows of GMC WOE only')
        ) as v (name, purpose)
    loop
        if not exists (select 1 from pg_roles where rolname = r.name) then
            begin
                execute format('create role %I nologin', r.name);
                execute format('comment on role %I is %L', r.name, 'genomics-warehouse: ' || r.purpose);
            exception when duplicate_object or unique_violation then
                null;  -- created meanwhile by a concurrent init of another database
            end;
        end if;
    end loop;
end
$$;

-- Nobody gets anything by default.
revoke all on schema ledger, raw, quarantine, staging, intermediate, marts, snapshots,
reporting_build, reporting, dq, audit from public;
revoke all on all tables in schema ledger, raw, quarantine, staging, intermediate, marts,
snapshots, reporting_build, reporting, dq, audit from public;

-- Schema ownership: dbt (as gwh_transformer, or a LOGIN member of it) creates its relations.
alter schema staging owner to gwh_transformer;
alter schema intermediate owner to gwh_transformer;
alter schema marts owner to gwh_transformer;
alter schema snapshots owner to gwh_transformer;
alter schema reporting_build owner to gwh_transformer;
alter schema reporting owner to gwh_transformer;
alter schema dq owner to gwh_transformer;

-- Loader: landing ledger, raw and quarantine.
grant usage on schema ledger, raw, quarantine to gwh_loader;
grant select, insert, update on all tables in schema ledger, raw, quarantine to gwh_loader;
grant usage, select on all sequences in schema ledger, raw, quarantine to gwh_loader;
alter default privileges in schema ledger, raw, quarantine
grant select, insert, update on tables to gwh_loader;
alter default privileges in schema ledger, raw, quarantine
grant usage, select on sequences to gwh_loader;

-- Transformer: reads the loaded layers (never quarantine, never audit).
grant usage on schema ledger, raw to gwh_transformer;
grant select on all tables in schema ledger, raw to gwh_transformer;
alter default privileges in schema ledger, raw grant select on tables to gwh_transformer;
grant usage, create on schema staging, intermediate, marts, snapshots, reporting_build,
reporting, dq to gwh_transformer;
grant all on all tables in schema staging, intermediate, marts, snapshots, reporting_build,
reporting, dq to gwh_transformer;
alter default privileges in schema staging, intermediate, marts, snapshots, reporting_build,
reporting, dq grant all on tables to gwh_transformer;

-- Analyst: the marts, nothing else. (dbt +grants re-applies this on every build.)
grant usage on schema marts to gwh_analyst;
grant select on all tables in schema marts to gwh_analyst;
alter default privileges in schema marts grant select on tables to gwh_analyst;
alter default privileges for role gwh_transformer in schema marts
grant select on tables to gwh_analyst;

-- Reporting and per-GMC roles: schema usage here; table grants and row-level security are
-- applied by warehouse.promote to each promoted table (they are recreated every night).
grant usage on schema reporting to gwh_reporting, gwh_gmc_eoe, gwh_gmc_gma, gwh_gmc_ich,
gwh_gmc_nec, gwh_gmc_nwc, gwh_gmc_oxf, gwh_gmc_slo, gwh_gmc_swp, gwh_gmc_ucl,
gwh_gmc_wes, gwh_gmc_wmi, gwh_gmc_yah, gwh_gmc_woe;
