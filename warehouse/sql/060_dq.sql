-- Data quality: every expectation result of every checkpoint run, written by
-- quality.runner.run_checkpoint; dbt models them into marts.fct_dq_validation_result and the
-- reporting tables rpt_dq_* the dashboard shows. Append-only: the history is the point
-- (when did coverage start drifting?). Never holds identifiers: unexpected samples are
-- business keys (referral_id, platekey, EPIKEY) or pseudonyms, never NHS numbers or dates
-- of birth (neither exists past the loader).
-- Idempotent: applied by warehouse.db.init_db.

create table if not exists dq.checkpoint_runs (
    run_id          text not null,
    stage           text not null check (stage in ('raw', 'genomics', 'marts', 'release')),
    started_at      timestamptz not null,
    finished_at     timestamptz not null,
    expectations    integer not null,
    failed_critical integer not null,
    failed_warning  integer not null,
    success         boolean not null,       -- no critical expectation failed
    docs_index      text,                   -- Data Docs index.html of this run
    primary key (run_id, stage)
);

create table if not exists dq.validation_results (
    result_id         bigserial primary key,
    run_id            text not null,
    stage             text not null check (stage in ('raw', 'genomics', 'marts', 'release')),
    suite             text not null,          -- GX suite: <stage>.<asset>
    asset             text not null,          -- table, or the name of the query asset
    expectation       text not null,          -- stable check id (expectations/*.py)
    expectation_type  text not null,          -- GX expectation type
    category          text not null check (
        category in ('conformance', 'completeness', 'plausibility')
    ),
    severity          text not null check (severity in ('critical', 'warning')),
    success           boolean not null,
    observed_value    text,
    unexpected_count  bigint,
    element_count     bigint,
    unexpected_sample jsonb,                  -- at most 20 offending values/rows
    exception         text,                   -- the error, when the check could not run
    validated_at      timestamptz not null,
    foreign key (run_id, stage) references dq.checkpoint_runs (run_id, stage)
);
create index if not exists validation_results_run on dq.validation_results (run_id, stage);
create index if not exists validation_results_time on dq.validation_results (validated_at);
