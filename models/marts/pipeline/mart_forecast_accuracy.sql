-- ヨミ forecast accuracy per fiscal quarter x business unit x week (int_pipeline_weekly; docs/pipeline.md).
with

weekly as (
    select * from {{ ref('int_pipeline_weekly') }}
),

final as (
    select
        fiscal_year,
        fiscal_quarter,
        quarter_start,
        business_unit,
        week_of_quarter,
        week_start,
        cast(won_to_date_amount as {{ type_money() }}) as won_to_date_amount,
        cast(commit_forecast_amount as {{ type_money() }}) as commit_forecast_amount,
        cast(best_case_forecast_amount as {{ type_money() }}) as best_case_forecast_amount,
        cast(final_won_amount as {{ type_money() }}) as final_won_amount,
        cast(commit_accuracy as {{ type_ratio() }}) as commit_accuracy,
        cast(best_case_accuracy as {{ type_ratio() }}) as best_case_accuracy,
        first_week_commit_within_10pct
    from weekly
)

select * from final
