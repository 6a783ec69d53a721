{#- Incremental models that follow the night's delta. Each records, after it is built, the
    highest ledger file id it has seen (intermediate.incremental_watermarks); the next build
    takes only rows of files loaded since. Every row of the warehouse carries the ledger id of
    the file it came from, and ledger ids only grow, so "loaded since" is exact; a build that
    fails leaves the watermark where it was and the next build takes the same rows again
    (delete+insert by key makes that harmless). A model using these declares
    `-- depends_on: {{ ref('stg_ledger__files') }}`. -#}

{% macro incremental_watermark() -%}
    (
        select coalesce(max(w.high_water), 0)
        from intermediate.incremental_watermarks as w
        where w.model_name = '{{ this.identifier }}'
    )
{%- endmacro %}

{% macro advance_watermark() -%}
    insert into intermediate.incremental_watermarks (model_name, high_water, built_at)
    select '{{ this.identifier }}', coalesce(max(ledger_file_id), 0), clock_timestamp()
    from {{ ref('stg_ledger__files') }}
    on conflict (model_name)
    do update set high_water = excluded.high_water, built_at = excluded.built_at
{%- endmacro %}

{#- The table the watermarks live in (dbt_project.yml on-run-start). -#}
{% macro create_watermark_table() -%}
    create table if not exists intermediate.incremental_watermarks (
        model_name text primary key,
        high_water bigint not null,
        built_at timestamptz not null
    )
{%- endmacro %}

{#- Participants (pseudonyms) whose rows in `relation` changed since this model's last
    build, or whose referral row did (a referral delivered after their hospital records
    joins them now): a per-participant incremental model rebuilds exactly these. -#}
{% macro changed_participants(relation) -%}
    select changed.participant_pseudonym
    from {{ relation }} as changed
    where changed.content_ledger_file_id > {{ incremental_watermark() }}
    union
    select referral.participant_pseudonym
    from {{ ref('stg_referrals__participants') }} as referral
    where referral.ledger_file_id > {{ incremental_watermark() }}
{%- endmacro %}
