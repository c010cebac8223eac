-- The funnel of a fiscal half: the cohort months of the half
-- (mart_stage_conversion_unit_monthly: every source channel together) added up
-- for each business unit and for every unit together (business_unit_scope;
-- '(all)' is all_rows_label()). A row's conversion rate is of its summed counts
-- (macro stage_conversion_rollup), never a mean of the months' or the units'
-- rates: what the dashboard's funnel shows per half. A half is mature once it
-- is over and its youngest leads have had the forward window
-- (cohort_maturity_columns).
with

unit_monthly as (
    select * from {{ ref('mart_stage_conversion_unit_monthly') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

rolled_up as (
    {{ stage_conversion_rollup('unit_monthly', ['fiscal_year', 'fiscal_half']) }}
),

-- The as-of instant beside every row, for its maturity.
dated as (
    {{ rows_with_as_of('rolled_up') }}
),

final as (
    select
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        {{ stage_conversion_rollup_columns() }},
        {{ cohort_maturity_columns(
            dbt.dateadd('month', 6, fiscal_half_start_of('fiscal_year', 'fiscal_half')), 'as_of_at'
        ) }}
    from dated
)

select * from final
