-- The fiscal halves, one row each, with their bounds: every half the business
-- calendar covers, and every half the KPI targets plan (a plan may name a half
-- beyond the calendar, which spans only the years the loaded data needs). Every
-- half-level KPI reads its bounds here.
with

fiscal_months as (
    select * from {{ ref('int_fiscal_months') }}
),

kpi_targets as (
    select * from {{ kpi_seed('kpi_targets') }}
),

halves as (
    select
        fiscal_year,
        fiscal_half
    from fiscal_months
    union
    select
        fiscal_year,
        fiscal_half
    from kpi_targets
),

bounded as (
    select
        fiscal_year,
        fiscal_half,
        {{ fiscal_half_start_of('fiscal_year', 'fiscal_half') }} as half_start
    from halves
),

final as (
    select
        fiscal_year,
        fiscal_half,
        half_start,
        cast({{ dbt.dateadd('month', 6, 'half_start') }} as date) as next_half_start
    from bounded
)

select * from final
