{#- Generic test: every row satisfies `expression` (rows failing it are returned). -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
