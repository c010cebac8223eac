{#-
    Fiscal calendar. The fiscal year starts in month var('fiscal_year_start_month')
    (default 4) and is labelled by the calendar year it starts in: with April,
    FY2026 runs from April 2026 to March 2027. H1 is its first six months.
-#}
{% macro fiscal_year(date_expression) -%}
    (cast(extract(year from {{ date_expression }}) as integer)
        - case
            when cast(extract(month from {{ date_expression }}) as integer) < {{ var('fiscal_year_start_month') }}
                then 1
            else 0
        end)
{%- endmacro %}

{% macro fiscal_half(date_expression) -%}
    case
        when mod(cast(extract(month from {{ date_expression }}) as integer) - {{ var('fiscal_year_start_month') }} + 12, 12) < 6
            then 'H1'
        else 'H2'
    end
{%- endmacro %}

{#- First day of the month of a timestamp or date, as a date. -#}
{% macro month_start(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}

{#- Fiscal quarter of a date: Q1 is the first three months of the fiscal year. -#}
{% macro fiscal_quarter(date_expression) -%}
    {{ dbt.concat(["'Q'", 'cast(cast(floor(mod(cast(extract(month from ' ~ date_expression ~ ') as integer) - '
        ~ var('fiscal_year_start_month') ~ ' + 12, 12) / 3) as integer) + 1 as ' ~ dbt.type_string() ~ ')']) }}
{%- endmacro %}

{#- First day of the fiscal quarter of a date (or timestamp), as a date. -#}
{% macro fiscal_quarter_start(date_expression) -%}
    cast({{ dbt.dateadd(
        'month',
        '-1 * mod(cast(extract(month from ' ~ date_expression ~ ') as integer) - '
            ~ var('fiscal_year_start_month') ~ ' + 12, 3)',
        month_start(date_expression)
    ) }} as date)
{%- endmacro %}
