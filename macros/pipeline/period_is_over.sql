{#-
    period_is_over(period_end, as_of_at): whether a period that ends at period_end (exclusive: the
    first instant of the next period, at 00:00) is over at the as-of instant, as a boolean. Times have
    microsecond resolution (int_as_of: as_of_date D is D 23:59:59.999999, the last instant the loader
    keeps), so a period is over once as_of_at reaches its last instant, the last microsecond of the
    day before period_end: as_of_date 2026-06-30 closes FY2026 Q1, while as_of_at 2026-06-30 23:59:59
    leaves it open (an event at 23:59:59.5 may still come). The pipeline marts' one rule for "the
    quarter is over" (final won amount and forecast accuracy, is_current_quarter, stalled deals).
    The last instant is built from the date as text, as int_as_of builds it: dbt.dateadd in
    microseconds truncates to whole seconds on Spark. A comparison, so `not period_is_over(...)`
    negates all of it (comparisons bind tighter than not, and, or).
-#}
{% macro period_is_over(period_end, as_of_at) -%}
    {{ as_of_at }} >= cast(
        {{ dbt.concat([
            'cast(cast(' ~ dbt.dateadd('day', -1, period_end) ~ ' as date) as ' ~ dbt.type_string() ~ ')',
            "' 23:59:59.999999'"
        ]) }} as {{ dbt.type_timestamp() }}
    )
{%- endmacro %}
