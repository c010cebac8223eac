{#-
    unit_economics_figures(totals, group_columns): the CTEs `costed` and `final` that turn a
    relation of cost and acquisition totals per fiscal half (x group_columns) into the unit
    economics (docs/retention.md). The one definition of CAC, CAC payback, the magic number and
    inputs_present / inputs_missing; int_unit_economics applies it per business unit and
    int_unit_economics_all_units to the units added up. `totals` needs the period columns,
    marketing_cost, sales_cost, customer_success_cost (null when missing), new_customers,
    new_customer_arr, net_new_arr, previous_sales_and_marketing_cost and the flags
    has_team_costs and has_previous_team_costs. The caller selects from `final`.
      CAC = (marketing + sales cost) / new customers
      CAC payback in months = CAC / (new ARR per new customer / 12 x var gross_margin_rate)
      magic number = net new ARR / the previous half's marketing + sales cost
-#}
{% macro unit_economics_figures(totals, group_columns) -%}
    costed as (
        select
            {{ totals }}.*,
            {{ totals }}.marketing_cost + {{ totals }}.sales_cost as sales_and_marketing_cost,
            {{ safe_divide(totals ~ '.marketing_cost + ' ~ totals ~ '.sales_cost', totals ~ '.new_customers') }} as cac,
            {{ safe_divide(totals ~ '.new_customer_arr', totals ~ '.new_customers') }} as new_arr_per_customer
        from {{ totals }}
    ),

    final as (
        select
            {{ fiscal_period_columns(group_columns) }},
            marketing_cost,
            sales_cost,
            customer_success_cost,
            sales_and_marketing_cost,
            new_customers,
            new_customer_arr,
            new_arr_per_customer,
            new_customer_arr * {{ var('gross_margin_rate') }} as new_customer_gross_margin,
            cac,
            {{ safe_divide('cac', 'new_arr_per_customer / 12 * ' ~ var('gross_margin_rate')) }} as cac_payback_months,
            net_new_arr,
            previous_sales_and_marketing_cost,
            {{ safe_divide('net_new_arr', 'previous_sales_and_marketing_cost') }} as magic_number,
            case when has_team_costs then 'campaign_costs, team_costs' else 'campaign_costs' end as inputs_present,
            -- Each missing input as ', <name>', in this order, then the leading ', ' cut off. Without the
            -- sales teams' costs, `team_costs` names the seed as a whole.
            case
                when not has_team_costs or customer_success_cost is null or not has_previous_team_costs
                    then substr({{ dbt.concat([
                        "case when not has_team_costs then ', team_costs' else '' end",
                        "case when has_team_costs and customer_success_cost is null then ', customer_success_team_costs' else '' end",
                        "case when not has_previous_team_costs then ', previous_half_team_costs' else '' end",
                    ]) }}, 3)
            end as inputs_missing,
            has_team_costs,
            has_previous_team_costs
        from costed
    )
{%- endmacro %}

{#-
    unit_economics_mart(int_model, group_columns): the select of a unit-economics mart
    (mart_unit_economics per business unit, mart_unit_economics_all_units for the units added
    up): the figures of `int_model` with the contracted types.
-#}
{% macro unit_economics_mart(int_model, group_columns) -%}
    with

    unit_economics as (
        select * from {{ ref(int_model) }}
    ),

    final as (
        select
            {{ fiscal_period_columns(group_columns, typed=true) }},
            cast(marketing_cost as {{ type_money() }}) as marketing_cost,
            cast(sales_cost as {{ type_money() }}) as sales_cost,
            cast(customer_success_cost as {{ type_money() }}) as customer_success_cost,
            cast(sales_and_marketing_cost as {{ type_money() }}) as sales_and_marketing_cost,
            cast(new_customers as integer) as new_customers,
            cast(new_customer_arr as {{ type_money() }}) as new_customer_arr,
            new_arr_per_customer,
            cast(new_customer_gross_margin as {{ type_money() }}) as new_customer_gross_margin,
            cac,
            cac_payback_months,
            cast(net_new_arr as {{ type_money() }}) as net_new_arr,
            cast(previous_sales_and_marketing_cost as {{ type_money() }}) as previous_sales_and_marketing_cost,
            magic_number,
            inputs_present,
            inputs_missing
        from unit_economics
    )

    select * from final
{%- endmacro %}
