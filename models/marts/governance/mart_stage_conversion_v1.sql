-- Version 1 of marts.mart_stage_conversion, deprecated (docs/governance.md):
-- the latest version's rows in v1's column types (conversion_rate and
-- median_days_to_next as double). Served as marts.mart_stage_conversion_v1
-- until its deprecation date; delete this file and the yml entry after it.
with

stage_conversion as (
    select * from {{ ref('mart_stage_conversion', v=2) }}
),

final as (
    select
        cohort_month,
        fiscal_year,
        fiscal_half,
        business_unit,
        source_channel,
        stage,
        stage_order,
        next_stage,
        reached_count,
        converted_count,
        cast(conversion_rate as {{ type_ratio() }}) as conversion_rate,
        cast(median_days_to_next as {{ type_ratio() }}) as median_days_to_next
    from stage_conversion
)

select * from final
