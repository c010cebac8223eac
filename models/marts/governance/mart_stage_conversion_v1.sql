-- Version 1 of marts.mart_stage_conversion, deprecated (docs/governance.md):
-- the latest version's rows in v1's column types (conversion_rate and
-- median_days_to_next as double). Served as marts.mart_stage_conversion_v1
-- until its deprecation date; delete this file and the yml entry after it.
-- conversion_rate is divided again from the counts in double (the one rule,
-- stage_conversion_rate, in v1's type; null for renewed), as v1 always computed it:
-- v2's rate is rounded to nine decimals, and casting it back would change v1's
-- values (2/3 read 0.666666667).
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
        {{ stage_conversion_rate('next_stage', 'converted_count', 'reached_count', type_ratio()) }}
            as conversion_rate,
        cast(median_days_to_next as {{ type_ratio() }}) as median_days_to_next
    from stage_conversion
)

select * from final
