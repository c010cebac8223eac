-- Pipeline coverage per fiscal quarter x business unit x week (int_pipeline_weekly; docs/pipeline.md).
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
        cast(open_count as {{ dbt.type_bigint() }}) as open_count,
        cast(open_amount as {{ type_money() }}) as open_amount,
        cast(weighted_amount as {{ type_money() }}) as weighted_amount,
        cast(commit_amount as {{ type_money() }}) as commit_amount,
        cast(best_case_amount as {{ type_money() }}) as best_case_amount,
        cast(won_to_date_amount as {{ type_money() }}) as won_to_date_amount,
        cast(target_amount as {{ type_money() }}) as target_amount,
        cast(coverage as {{ type_ratio() }}) as coverage
    from weekly
)

select * from final
