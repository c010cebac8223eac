-- The ARR and customer bridges per fiscal quarter, half and year x business
-- unit (int_arr_bridge; docs/retention.md).
with

bridge as (
    select * from {{ ref('int_arr_bridge') }}
),

final as (
    select
        period_grain,
        period_label,
        cast(fiscal_year as integer) as fiscal_year,
        fiscal_half,
        fiscal_quarter,
        period_start,
        period_end,
        measured_to,
        is_complete,
        business_unit,
        starting_arr,
        new_arr,
        win_back_arr,
        expansion_arr,
        contraction_arr,
        churned_arr,
        ending_arr,
        net_new_arr,
        starting_customers,
        new_customers,
        win_back_customers,
        churned_customers,
        ending_customers
    from bridge
)

select * from final
