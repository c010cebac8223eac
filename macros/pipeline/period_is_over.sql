{#-
    The one rule of "a period is over at the as-of instant", for every mart that judges it (the
    pipeline's quarters, the KPI periods' maturity, the retention periods' is_complete).

    period_last_instant(period_end): the last instant of a period that ends at period_end (exclusive:
    the first day of the next period, at 00:00), as a timestamp: the last microsecond of the day
    before. Times have microsecond resolution (int_as_of: as_of_date D is D 23:59:59.999999, the last
    instant the loader keeps), so an event at 23:59:59.5 on the period's last day is still in it. Built
    from the date as text, as int_as_of builds it: dbt.dateadd in microseconds truncates to whole
    seconds on Spark.

    period_is_over(period_end, as_of_at): whether the period is over at as_of_at, as a boolean: once
    as_of_at reaches its last instant. as_of_date 2026-06-30 closes FY2026 Q1, while as_of_at
    2026-06-30 23:59:59 leaves it open (an event at 23:59:59.5 may still come). A comparison, so
    `not period_is_over(...)` negates all of it (comparisons bind tighter than not, and, or).

    day_last_instant(day) and day_is_over(day, as_of_at): the same rule for a period given by its last
    day (a date), such as the hand-off SLA's due day: over once as_of_at reaches that day's
    23:59:59.999999. The period macros are these on the day before period_end.
-#}
{% macro day_last_instant(day) -%}
    cast(
        {{ dbt.concat([
            'cast(cast(' ~ day ~ ' as date) as ' ~ dbt.type_string() ~ ')',
            "' 23:59:59.999999'"
        ]) }} as {{ dbt.type_timestamp() }}
    )
{%- endmacro %}

{% macro day_is_over(day, as_of_at) -%}
    {{ as_of_at }} >= {{ day_last_instant(day) }}
{%- endmacro %}

{% macro period_last_instant(period_end) -%}
    {{ day_last_instant(dbt.dateadd('day', -1, period_end)) }}
{%- endmacro %}

{% macro period_is_over(period_end, as_of_at) -%}
    {{ day_is_over(dbt.dateadd('day', -1, period_end), as_of_at) }}
{%- endmacro %}
