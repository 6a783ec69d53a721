{#- Generic test: a published count holds no value from 1 to 7 and is a multiple of 5
    (domain.md disclosure control: 0 stays 0, 1-7 suppressed, others rounded to 5). -#}
{% test disclosure_controlled(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} between 1 and 7 or {{ column_name }} % 5 <> 0
{% endtest %}
