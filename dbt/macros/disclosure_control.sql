{#- Statistical disclosure control (domain.md, NHS England HES rule), the SQL twin of
    governance/disclosure.py: 0 stays 0; 1-7 suppressed (NULL, shown as `*`); 8 and above
    rounded to the nearest 5. Apply to totals only after summing the unrounded values. -#}
{% macro disclosure_control(count_expr) -%}
    case
        when ({{ count_expr }}) is null then null
        when ({{ count_expr }}) = 0 then 0
        when ({{ count_expr }}) between 1 and 7 then null
        else (round(({{ count_expr }})::numeric / 5) * 5)::integer
    end
{%- endmacro %}

{#- A rate, percentage or mean is published only where its base count is >= 8 and its
    numerator is not itself a suppressed count (1-7): otherwise rate x base gives the
    suppressed count back (3 of 8 families = 37.5%). -#}
{% macro publishable_rate(numerator_expr, base_expr) -%}
    case
        when
            ({{ base_expr }}) >= 8
            and not (({{ numerator_expr }}) > 0 and ({{ numerator_expr }}) < 8)
            then ({{ numerator_expr }})::numeric / nullif(({{ base_expr }}), 0)
    end
{%- endmacro %}
