{#-
    raise_listing_rows(sql, order_by, message): for a singular test whose failure should say exactly
    what to fix, rather than dbt's "Got N results". When the test runs (dbt build or test; not when
    sqlfluff or `dbt compile` renders it), it runs `sql` ordered by `order_by` and, if any row comes
    back, stops with `message`, where `{count}` is the number of rows and `{rows}` their texts joined
    by "; ". The call block gives a row's text: {% call(row) raise_listing_rows(...) %}v{{ row[0] }}{% endcall %}.
    The test then selects `sql` itself, which returns no row when the build went on.
-#}
{% macro raise_listing_rows(sql, order_by, message) -%}
    {%- if execute and flags.WHICH in ['build', 'test'] -%}
        {%- set found = run_query(sql ~ ' order by ' ~ order_by) -%}
        {%- if found.rows | length > 0 -%}
            {%- set texts = [] -%}
            {%- for row in found.rows -%}
                {%- do texts.append(caller(row) | trim) -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error(
                message | replace('{count}', texts | length | string) | replace('{rows}', texts | join('; '))
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
