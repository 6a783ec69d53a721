{#- Generic test: no two rows share the same values of `combination` (a composite key).
    Written here because dbt-utils cannot be installed from dbt's package hub. -#}
{% test unique_combination_of_columns(model, combination) %}
    select {{ combination | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}
