{#-
    The field-sales performance formulas (docs/pipeline.md, "Performance"), one place for every grain
    that reports them (int_sales_performance per owner, int_sales_performance_by_unit per unit).

    sales_close_rates(...): win rate by count and by amount (won / closed) and the average won amount,
    each null without a denominator.
    sales_cycle_days(created_at, closed_at): days from created to closed, never below 0 (a close dated
    before the opportunity was created, a deal entered into the CRM already closed, took no time in
    it). fct_opportunity.days_open of a closed deal and the medians below.
    median_sales_cycle_days(is_won, created_at, closed_at): the median sales_cycle_days of the won
    closes of the group, as an aggregate.
-#}
{% macro sales_close_rates(won_count, closed_count, won_amount, closed_amount) -%}
    {{ safe_divide(won_count, closed_count) }} as win_rate_count,
    {{ safe_divide(won_amount, closed_amount) }} as win_rate_amount,
    {{ safe_divide(won_amount, won_count) }} as average_won_amount
{%- endmacro %}

{% macro sales_cycle_days(created_at, closed_at) -%}
    greatest({{ days_between(created_at, closed_at) }}, 0)
{%- endmacro %}

{% macro median_sales_cycle_days(is_won, created_at, closed_at) -%}
    {{ median('case when ' ~ is_won ~ ' then ' ~ sales_cycle_days(created_at, closed_at) ~ ' end') }}
{%- endmacro %}
