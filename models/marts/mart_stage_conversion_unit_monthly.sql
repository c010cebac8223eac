-- The cohort trends: mart_stage_conversion's cohort months, every source
-- channel together, for each business unit and for every unit together
-- (business_unit_scope; '(all)' is all_rows_label()). A row's conversion rate
-- is of its summed counts (macro stage_conversion_rollup), never a mean of the
-- channels' rates: what the dashboard's cohort chart draws per month. A month
-- is mature once its youngest leads have had the forward window
-- (cohort_maturity_columns).
with

stage_conversion as (
    select * from {{ ref('mart_stage_conversion') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

-- Every cohort row counts for every unit together and for its own unit.
unit_scopes as (
    {{ all_and_own_scopes(
        'stage_conversion',
        'cohort_month, fiscal_year, fiscal_half, source_channel, stage, stage_order, next_stage, reached_count, converted_count',
        'business_unit',
        'business_unit_scope'
    ) }}
),

rolled_up as (
    {{ stage_conversion_rollup('unit_scopes', ['cohort_month', 'fiscal_year', 'fiscal_half']) }}
),

-- The as-of instant beside every row, for its maturity.
dated as (
    {{ rows_with_as_of('rolled_up') }}
),

final as (
    select
        cast(cohort_month as date) as cohort_month,
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        {{ stage_conversion_rollup_columns() }},
        {{ cohort_maturity_columns(dbt.dateadd('month', 1, 'cohort_month'), 'as_of_at') }}
    from dated
)

select * from final
