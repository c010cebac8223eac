{#- The project's schema names (marts, intermediate, ...), as in production. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ return(revops_funnel.generate_schema_name(custom_schema_name, node)) }}
{%- endmacro %}
