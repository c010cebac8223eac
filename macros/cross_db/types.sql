{#- Column types the marts promise in their contracts, spelled once. -#}

{#- Money in the reporting currency. -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'revops_funnel')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    decimal(20, 2)
{%- endmacro %}

{#- A ratio or a duration in days. -#}
{% macro type_ratio() -%}
    {{ return(adapter.dispatch('type_ratio', 'revops_funnel')()) }}
{%- endmacro %}

{% macro default__type_ratio() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_ratio() -%}
    double
{%- endmacro %}

{% macro spark__type_ratio() -%}
    double
{%- endmacro %}
