{#-
    sorted_listagg(measure, sort_key, delimiter_text): the group's non-null
    values of `measure` joined by `delimiter_text` (a SQL string literal), in
    the order of `sort_key`. dbt.listagg ignores the order on Spark, so Spark
    sorts (sort_key, value) pairs itself; the result is the same everywhere
    (null when there is no non-null value).
-#}
{% macro sorted_listagg(measure, sort_key, delimiter_text) -%}
    {{ return(adapter.dispatch('sorted_listagg', 'revops_funnel')(measure, sort_key, delimiter_text)) }}
{%- endmacro %}

{% macro default__sorted_listagg(measure, sort_key, delimiter_text) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ sort_key) }}
{%- endmacro %}

{% macro spark__sorted_listagg(measure, sort_key, delimiter_text) -%}
    nullif(
        array_join(
            transform(
                array_sort(collect_list(named_struct('sort_key', {{ sort_key }}, 'value', {{ measure }}))),
                item -> item.value
            ),
            {{ delimiter_text }}
        ),
        ''
    )
{%- endmacro %}
