{#-
    The field-sales performance formulas (docs/pipeline.md, "Performance"), one place for every grain
    that reports them (int_sales_performance per owner, int_sales_performance_by_unit per unit).

    sales_close_rates(...): win rate by count and by amount (won / closed) and the average won amount,
    each null without a denominator.
    median_sales_cycle_days(is_won, created_at, closed_at): the median days from created to closed of
    the won closes of the group, as an aggregate.
-#}
{% macro sales_close_rates(won_count, closed_count, won_amount, closed_amount) -%}
    {{ safe_divide(won_count, closed_count) }} as win_rate_count,
    {{ safe_divide(won_amount, closed_amount) }} as win_rate_amount,
    {{ safe_divide(won_amount, won_count) }} as average_won_amount
{%- endmacro %}

{% macro median_sales_cycle_days(is_won, created_at, closed_at) -%}
    {{ median('case when ' ~ is_won ~ ' then ' ~ days_between(created_at, closed_at) ~ ' end') }}
{%- endmacro %}
