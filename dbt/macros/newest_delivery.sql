{#- Newest delivery wins (feeds.md): of all raw rows sharing a business key, keep the one
    from the latest delivery date, then the latest ledger file, then the last line. Earlier
    deliveries stay in raw for audit. -#}
{% macro newest_delivery(relation, keys) -%}
    select ranked.*
    from (
        select
            r.*,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by r.delivery_date desc, r.ledger_file_id desc, r.source_line desc
            ) as delivery_rank
        from {{ relation }} as r
    ) as ranked
    where ranked.delivery_rank = 1
{%- endmacro %}
