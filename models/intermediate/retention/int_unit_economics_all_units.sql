-- Unit economics per fiscal half for every business unit together: the costs,
-- new customers and ARR of int_unit_economics added up over the units
-- (`shared` included), then unit_economics_figures(), the formulas of the
-- per-unit model, so CAC and CAC payback are a ratio of the sums, never a mean
-- of the units' ratios. A cost that is missing (null) for any unit is missing
-- for all units together, as is a team-cost input.
with

unit_economics as (
    select * from {{ ref('int_unit_economics') }}
),

totals as (
    select
        {{ fiscal_period_columns() }},
        sum(marketing_cost) as marketing_cost,
        {%- for column in ['sales_cost', 'customer_success_cost', 'previous_sales_and_marketing_cost'] %}
            case when count({{ column }}) = count(*) then sum({{ column }}) end as {{ column }},
        {%- endfor %}
        sum(new_customers) as new_customers,
        sum(new_customer_arr) as new_customer_arr,
        sum(net_new_arr) as net_new_arr,
        min(case when has_team_costs then 1 else 0 end) = 1 as has_team_costs,
        min(case when has_previous_team_costs then 1 else 0 end) = 1 as has_previous_team_costs
    from unit_economics
    group by {{ fiscal_period_columns() }}
),

{{ unit_economics_figures('totals', []) }}

select * from final
