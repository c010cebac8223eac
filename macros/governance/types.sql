{#-
    type_exact_ratio(): a ratio or a duration in days as an exact decimal with
    nine decimal places, so DuckDB, PostgreSQL and Spark return identical
    values (doubles can differ in the last digits between engines). Used by
    mart_stage_conversion v2; contracts spell it decimal(18,9).
-#}
{% macro type_exact_ratio() -%}
    {{ return(adapter.dispatch('type_exact_ratio', 'revops_funnel')()) }}
{%- endmacro %}

{% macro default__type_exact_ratio() -%}
    decimal(18, 9)
{%- endmacro %}
