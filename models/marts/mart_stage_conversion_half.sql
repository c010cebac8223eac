-- The funnel of a fiscal half: the cohort months of the half
-- (mart_stage_conversion_unit_monthly: every source channel together) added up
-- for each business unit and for every unit together (business_unit_scope;
-- '(all)' is all_rows_label()). A row's conversion rate is of its summed counts
-- (macro stage_conversion_rollup), never a mean of the months' or the units'
-- rates: what the dashboard's funnel shows per half.
with

unit_monthly as (
    select * from {{ ref('mart_stage_conversion_unit_monthly') }}
),

rolled_up as (
    {{ stage_conversion_rollup('unit_monthly', ['fiscal_year', 'fiscal_half']) }}
),

final as (
    select
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        {{ stage_conversion_rollup_columns() }}
    from rolled_up
)

select * from final
