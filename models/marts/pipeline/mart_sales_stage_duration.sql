-- Days in each stage per fiscal quarter x business unit x owner x stage (int_sales_stage_duration;
-- docs/pipeline.md, "Performance").
with

stage_duration as (
    select * from {{ ref('int_sales_stage_duration') }}
),

final as (
    select
        fiscal_year,
        fiscal_quarter,
        quarter_start,
        business_unit,
        owner_id,
        stage,
        cast(stage_order as {{ dbt.type_int() }}) as stage_order,
        cast(ended_run_count as {{ dbt.type_bigint() }}) as ended_run_count,
        cast(median_days as {{ type_ratio() }}) as median_days
    from stage_duration
)

select * from final
