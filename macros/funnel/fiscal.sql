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

{#- Months since the fiscal year started, 0-11: the one place the start month turns into a position. -#}
{% macro fiscal_month_index(date_expression) -%}
    mod(cast(extract(month from {{ date_expression }}) as integer) - {{ var('fiscal_year_start_month') }} + 12, 12)
{%- endmacro %}

{% macro fiscal_half(date_expression) -%}
    case
        when {{ fiscal_month_index(date_expression) }} < 6
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
    {{ dbt.concat(["'Q'", 'cast(cast(floor(' ~ fiscal_month_index(date_expression) ~ ' / 3) as integer) + 1 as '
        ~ dbt.type_string() ~ ')']) }}
{%- endmacro %}

{#-
    First day of the fiscal period of `period_months` months (3 a quarter, 6 a half, 12 a year)
    that a date (or timestamp) falls in, as a date.
-#}
{% macro fiscal_period_start(date_expression, period_months) -%}
    cast({{ dbt.dateadd(
        'month',
        '-1 * mod(' ~ fiscal_month_index(date_expression) ~ ', ' ~ period_months ~ ')',
        month_start(date_expression)
    ) }} as date)
{%- endmacro %}

{% macro fiscal_quarter_start(date_expression) -%}
    {{ fiscal_period_start(date_expression, 3) }}
{%- endmacro %}

{% macro fiscal_half_start(date_expression) -%}
    {{ fiscal_period_start(date_expression, 6) }}
{%- endmacro %}

{% macro fiscal_year_start(date_expression) -%}
    {{ fiscal_period_start(date_expression, 12) }}
{%- endmacro %}

{#-
    First day of fiscal half `fiscal_half` ('H1' or 'H2') of fiscal year `fiscal_year` (an integer),
    as a date: the inverse of fiscal_year() and fiscal_half(), for a half named by a seed that no
    date in the data falls in.
-#}
{% macro fiscal_half_start_of(fiscal_year, fiscal_half) -%}
    {%- set month_day = "'-" ~ ('%02d' % (var('fiscal_year_start_month') | int)) ~ "-01'" -%}
    cast({{ dbt.dateadd(
        'month',
        "case when " ~ fiscal_half ~ " = 'H2' then 6 else 0 end",
        'cast(' ~ dbt.concat(['cast(' ~ fiscal_year ~ ' as ' ~ dbt.type_string() ~ ')', month_day])
            ~ ' as date)'
    ) }} as date)
{%- endmacro %}
