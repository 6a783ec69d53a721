{#-
    A column of a `group by cube (...)` as the dashboard filters read it: the value, or
    'ALL' on the rows where the cube rolled the column up. Used by every rpt_dashboard_*
    cube, so that 'ALL' means the same thing in each.
-#}
{% macro cube_label(column) -%}
    case when grouping({{ column }}) = 1 then 'ALL' else {{ column }} end as {{ column }}
{%- endmacro %}
