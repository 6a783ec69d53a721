{#- The current revision of each key of a revisions model (one row per delivered line), built
    incrementally. HES re-delivers the whole year to date every month, so most revisions a
    night brings repeat what was already delivered; each row therefore carries, besides the
    file its current revision came from (`ledger_file_id`), the file that first delivered its
    current content (`content_ledger_file_id`, `content_delivery_date`: where the latest
    run of identical revisions began). Downstream models take "changed since my last build" from that column, so their
    cost follows what really changed, not what was re-sent.

    A full build orders every revision of a key; an incremental one orders the key's new
    revisions after the row already built, whose content file it carries: both give the same
    answer as long as files load in delivery order, which the ledger guarantees within a
    feed. The digest leaves out the delivery metadata only. -#}
{% macro newest_revision(revisions_model, key) -%}
{%- set columns = [] -%}
{%- if execute -%}
{%- for column in adapter.get_columns_in_relation(ref(revisions_model)) -%}
            {%- do columns.append(column.name) -%}
        {%- endfor -%}
    {%- else -%}
{%- do columns.append(key) -%}
{%- endif -%}
{%- set order_old_to_new = 'delivery_date, ledger_file_id, source_line' -%}
{%- set order_new_to_old = 'delivery_date desc, ledger_file_id desc, source_line desc' -%}
with

revisions as (
    select
        r.*,
        md5((to_jsonb(r) - 'delivery_date' - 'ledger_file_id' - 'source_line')::text)
            as content_digest
    from {{ ref(revisions_model) }} as r
{%- if is_incremental() %}
    where r.ledger_file_id > {{ incremental_watermark() }}
{%- endif %}
),

{% if is_incremental() -%}
built as (
    select * from {{ this }}
    where {{ key }} in (select revisions.{{ key }} from revisions)
),

contenders as (
    select {{ columns | join(', ') }}, content_digest from revisions
    union all
    select {{ columns | join(', ') }}, content_digest from built
),
{%- else -%}
contenders as (
    select * from revisions
),
{%- endif %}

changes as (
    select
        {{ key }},
        delivery_date,
        ledger_file_id,
        source_line,
        coalesce(
            content_digest
            <> lag(content_digest) over (
                partition by {{ key }} order by {{ order_old_to_new }}
            ),
            true
        ) as starts_content
    from contenders
),

content_start as (
    select distinct on (changes.{{ key }})
        changes.{{ key }},
{%- if is_incremental() %}
        coalesce(built.content_ledger_file_id, changes.ledger_file_id)
        as content_ledger_file_id,
        coalesce(built.content_delivery_date, changes.delivery_date)
        as content_delivery_date
{%- else %}
        changes.ledger_file_id as content_ledger_file_id,
        changes.delivery_date as content_delivery_date
{%- endif %}
    from changes
{%- if is_incremental() %}
    left join built
        on
            changes.{{ key }} = built.{{ key }}
            and changes.ledger_file_id = built.ledger_file_id
            and changes.source_line = built.source_line
{%- endif %}
    where changes.starts_content
    order by
        changes.{{ key }},
        changes.delivery_date desc,
        changes.ledger_file_id desc,
        changes.source_line desc
),

newest as (
    select distinct on ({{ key }}) *
    from contenders
    order by {{ key }}, {{ order_new_to_old }}
)

select
    newest.*,
    content_start.content_ledger_file_id,
    content_start.content_delivery_date
from newest
inner join content_start on newest.{{ key }} = content_start.{{ key }}
{%- endmacro %}
