-- Field-sales performance per fiscal quarter x business unit (int_sales_performance_by_unit;
-- docs/pipeline.md): mart_sales_performance's figures for the whole unit.
with

performance as (
    select * from {{ ref('int_sales_performance_by_unit') }}
),

final as (
    select
        fiscal_year,
        fiscal_quarter,
        quarter_start,
        business_unit,
        cast(created_count as {{ dbt.type_bigint() }}) as created_count,
        cast(created_amount as {{ type_money() }}) as created_amount,
        cast(closed_count as {{ dbt.type_bigint() }}) as closed_count,
        cast(closed_amount as {{ type_money() }}) as closed_amount,
        cast(won_count as {{ dbt.type_bigint() }}) as won_count,
        cast(won_amount as {{ type_money() }}) as won_amount,
        cast(lost_count as {{ dbt.type_bigint() }}) as lost_count,
        cast(lost_amount as {{ type_money() }}) as lost_amount,
        cast(win_rate_count as {{ type_ratio() }}) as win_rate_count,
        cast(win_rate_amount as {{ type_ratio() }}) as win_rate_amount,
        cast(average_won_amount as {{ type_money() }}) as average_won_amount,
        cast(median_sales_cycle_days as {{ type_ratio() }}) as median_sales_cycle_days,
        cast(stalled_count as {{ dbt.type_bigint() }}) as stalled_count,
        cast(stalled_opportunity_days as integer) as stalled_opportunity_days
    from performance
)

select * from final
