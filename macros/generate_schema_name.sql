{#-
    Schemas are named exactly as configured (`raw`, `staging`, `intermediate`,
    `marts`, `seeds`), with no target prefix, so BI can always query
    `marts.<name>`. Models without a custom schema land in the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
