-- CAC, CAC payback and the magic number per fiscal half x business unit
-- (int_unit_economics; docs/retention.md). A figure whose input is missing is
-- null and inputs_missing names the input.
with

unit_economics as (
    select * from {{ ref('int_unit_economics') }}
),

final as (
    select
        period_label,
        cast(fiscal_year as integer) as fiscal_year,
        fiscal_half,
        period_start,
        period_end,
        is_complete,
        business_unit,
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
