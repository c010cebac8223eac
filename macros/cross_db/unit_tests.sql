{#-
    Unit tests on PostgreSQL. dbt compares a unit test's actual and expected
    rows as values fetched from the engine. PostgreSQL's unconstrained numeric
    (what sum(), coalesce(x, 0) and numeric arithmetic return) keeps each
    row's own scale, so an actual 1500000.000000000000 would not equal an
    expected 1500000 although the numbers are equal; DuckDB and Spark give a
    column one fixed scale. Here numeric columns are compared without trailing
    zeros (trim_scale, PostgreSQL 13+) on both sides; nothing else changes.
-#}
{% macro postgres__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) -%}
    {%- set numeric_columns = [] -%}
    {%- for column in get_column_schema_from_query(main_sql) -%}
        {%- if column.dtype | upper in ('DECIMAL', 'NUMERIC') -%}
            {%- do numeric_columns.append(column.name | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set normalised = [] -%}
    {%- for quoted in expected_column_names -%}
        {%- set name = quoted | replace('"', '') | lower -%}
        {%- if name in numeric_columns -%}
            {%- do normalised.append('trim_scale(' ~ quoted ~ ') as ' ~ quoted) -%}
        {%- else -%}
            {%- do normalised.append(quoted) -%}
        {%- endif -%}
    {%- endfor -%}
    select {{ normalised | join(', ') }}, {{ adapter.quote('actual_or_expected') }}
    from (
        {{ dbt.default__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) }}
    ) as dbt_internal_unit_test_normalised
{%- endmacro %}
