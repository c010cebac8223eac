{#-
    Generic test, model-level: every column the model (or seed) declares not
    null holds no null. A column declares it where it is documented, with
    `constraints: [{type: not_null}]`, as the marts' columns do. The engine
    enforces those constraints only on contract-enforced tables (the marts);
    for every other model and seed this one test checks all of them in one
    scan, where a `not_null` test per column was one dbt node and one scan
    each. A failing row names a column and counts its null rows; the test's
    failures are the null values of all of them (fail_calc), as many as the
    per-column not_null tests would have counted together.
    Usage (model level): data_tests: [declared_not_null]
    revops.conventions requires it wherever a constraint is not enforced.
-#}
{% test declared_not_null(model) %}
    {{- config(fail_calc='coalesce(sum(null_rows), 0)') -}}
    {%- set columns = declared_not_null_columns() -%}
    {%- if execute and not columns -%}
        {{ exceptions.raise_compiler_error(
            "declared_not_null on " ~ model ~ ": no column declares a not_null constraint") }}
    {%- endif -%}
with

null_rows as (
    select
        {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as null_rows_{{ loop.index }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ model }}
),

final as (
    {%- for column in columns %}
    select
        '{{ column }}' as column_name,
        null_rows_{{ loop.index }} as null_rows
    from null_rows
    where null_rows_{{ loop.index }} > 0
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from final
{% endtest %}

{#-
    The columns the tested node declares not null, in their documented order
    (compile time; empty while parsing). `model` here is the test node.
-#}
{% macro declared_not_null_columns() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') -%}
    {%- set columns = [] -%}
    {%- for column in (tested.columns.values() if tested else []) -%}
        {%- if column.constraints | selectattr('type', 'equalto', 'not_null') | list -%}
            {%- do columns.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
