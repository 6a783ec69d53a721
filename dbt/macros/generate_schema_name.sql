{#- Models land in exactly the schema they name (staging, marts, reporting, ...), not in
    dbt's default "<target schema>_<custom schema>": the schemas are created and granted by
    `gwh db init`, and roles are defined per schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
