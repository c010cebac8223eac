{#-
    Portable contract types. Marts declare `data_type` in one vocabulary that
    DuckDB and PostgreSQL both accept as written: varchar (or text), double precision,
    bigint, integer, boolean, date, timestamp, decimal(p,s). Spark spells two
    of them differently (`string`, `double`), so for Spark the declared types
    are translated before dbt asks the engine for the contract's schema.
    tests/python/test_engines_portability.py keeps every contract inside this
    vocabulary.
-#}
{% macro contract_type(data_type) -%}
    {{ return(adapter.dispatch('contract_type', 'revops_funnel')(data_type)) }}
{%- endmacro %}

{% macro default__contract_type(data_type) -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro spark__contract_type(data_type) -%}
    {%- set spelling = {'varchar': 'string', 'text': 'string', 'double precision': 'double'} -%}
    {{ return(spelling.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}

{#-
    PostgreSQL has two string types. dbt.type_string() and string literals
    give `text`, so a contracted table is created with `text` where the
    contract says `varchar`: otherwise an incremental model's new rows
    (text) would not match its table's columns (character varying) and
    on_schema_change would stop the second build.
-#}
{% macro postgres__contract_type(data_type) -%}
    {{ return('text' if (data_type | trim | lower) == 'varchar' else data_type) }}
{%- endmacro %}

{% macro postgres__get_table_columns_and_constraints() -%}
    {%- set translated = {} -%}
    {%- for name in model['columns'] -%}
        {%- set column = dict(model['columns'][name]) -%}
        {%- if column.get('data_type') is not none -%}
            {%- do column.update({'data_type': contract_type(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {%- set column_constraints = adapter.render_raw_columns_constraints(raw_columns=translated) -%}
    {%- set model_constraints = adapter.render_raw_model_constraints(raw_constraints=model['constraints']) -%}
    (
    {% for constraint in column_constraints + model_constraints -%}
        {{ constraint }}{{ "," if not loop.last }}
    {% endfor -%}
    )
{%- endmacro %}

{#- Overrides dbt's macro for Spark only: the contract check with Spark's spellings. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name in columns -%}
        {%- set column = dict(columns[name]) -%}
        {%- if column.get('data_type') is not none -%}
            {%- do column.update({'data_type': contract_type(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}

{#-
    Seeds on Spark. Seeds declare `column_types` in the same vocabulary, so
    they are translated before the table is created. Rows are written as
    escaped literals instead of dbt-spark's bindings: its `session` method
    pastes bound strings between quotes unescaped (a value with an apostrophe
    breaks the insert) and binds an empty cell as the text 'None'.
-#}
{% macro portable_seed_model(model) -%}
    {%- set config = dict(model['config']) -%}
    {%- set column_types = {} -%}
    {%- for name, data_type in (config.get('column_types') or {}).items() -%}
        {%- do column_types.update({name: contract_type(data_type)}) -%}
    {%- endfor -%}
    {%- do config.update({'column_types': column_types}) -%}
    {%- set portable = dict(model) -%}
    {%- do portable.update({'config': config}) -%}
    {{ return(portable) }}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) -%}
    {{ return(dbt.spark__create_csv_table(portable_seed_model(model), agate_table)) }}
{%- endmacro %}

{#- A seed cell as a Spark SQL string literal (backslash escapes), or null. -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        '{{ value | string | lower }}'
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_types = portable_seed_model(model)['config']['column_types'] -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for column_name in agate_table.column_names -%}
                    {%- set data_type = column_types.get(column_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ spark_seed_literal(row[loop.index0]) }} as {{ data_type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
                ){%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}
