{#-
    Unit-test fixtures on Spark, as one inline table each.

    dbt writes a unit test's `given:` inputs and its `expect:` rows as one
    `select <row> union all` per row. Spark 3.5 nests such a union one level
    per row and recomputes each level's output from the levels below it
    (Union.output, in the analyser's WidenSetOperationTypes and again in the
    optimiser), which grows exponentially with the rows when their
    nullability differs: int_funnel_shortfall's unit test (29 input rows, 60
    expected rows) was still being planned after 11 minutes. On Spark the same
    rows are written as one inline table instead,

        select * from values (<row 1>), (<row 2>), ... as fixture(<columns>)

    with the values dbt itself formats and casts (format_row, safe_cast; a
    column an input row leaves out is a typed null, as in dbt's fixture). The
    rows and their types are the same; the plan has one node per fixture.
    Other engines, and fixtures of one row, keep dbt's SQL.
-#}
{% macro get_fixture_sql(rows, column_name_to_data_types) -%}
    {%- if target.type != 'spark' or (rows | length) < 2 -%}
        {{ return(dbt.get_fixture_sql(rows, column_name_to_data_types)) }}
    {%- endif -%}
    {%- set column_types = {} -%}
    {%- if column_name_to_data_types -%}
        {%- do column_types.update(column_name_to_data_types) -%}
    {%- else -%}
        {#- The input's columns as built (or as deferred to), as dbt's own fixture reads them. -#}
        {%- set relation = defer_relation if (defer_relation and not load_relation(this)) else this -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do column_types.update({column.name | lower: column.data_type}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not column_types -%}
        {{ exceptions.raise_compiler_error(
            "unit test of '" ~ model.name ~ "': no columns for its input " ~ this ~ " (is it built?)"
        ) }}
    {%- endif -%}
    {{ return(spark_values_sql(rows, column_types.keys() | list, column_types, {}, 'fixture', true)) }}
{%- endmacro %}

{% macro get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted) -%}
    {%- if target.type != 'spark' or (rows | length) < 2 -%}
        {{ return(dbt.get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted)) }}
    {%- endif -%}
    {#- The columns of the first expected row are the ones dbt compares. -#}
    {%- set names = [] -%}
    {%- for column_name in rows[0] -%}
        {%- do names.append(column_name | lower) -%}
    {%- endfor -%}
    {{ return(spark_values_sql(rows, names, column_name_to_data_types, column_name_to_quoted, 'expected rows', false)) }}
{%- endmacro %}

{#-
    select * from values (...), ... as fixture(<names>), each row formatted and cast by dbt's
    format_row. A name a row leaves out is a typed null when `fill_nulls` (inputs), else an error
    (expected rows, whose union in dbt would fail too).
-#}
{% macro spark_values_sql(rows, names, column_types, quoted, what, fill_nulls) -%}
    {%- set tuples = [] -%}
    {%- for row in rows -%}
        {%- set row_number = loop.index -%}
        {%- set formatted = format_row(row, column_types) -%}
        {%- set values = [] -%}
        {%- for column_name in names -%}
            {%- if column_name in formatted -%}
                {%- do values.append(formatted[column_name] | trim) -%}
            {%- elif fill_nulls -%}
                {%- do values.append(safe_cast('null', column_types[column_name]) | trim) -%}
            {%- else -%}
                {{ exceptions.raise_compiler_error(
                    "unit test of '" ~ model.name ~ "': " ~ what ~ " row " ~ row_number
                    ~ " has no value for column '" ~ column_name ~ "'"
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- do tuples.append('(' ~ values | join(', ') ~ ')') -%}
    {%- endfor -%}
    {%- set columns = [] -%}
    {%- for column_name in names -%}
        {%- do columns.append(quoted.get(column_name) or adapter.quote(column_name)) -%}
    {%- endfor -%}
-- {{ what | capitalize }} of {{ model.name }} (Spark: one inline table, macros/cross_db/unit_test_fixtures.sql)
select * from values
    {{ tuples | join(',\n    ') }}
    as fixture({{ columns | join(', ') }})
{%- endmacro %}
