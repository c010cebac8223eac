-- The fiscal halves the business calendar covers, one row each, with their
-- bounds (from int_fiscal_months). Every half-level KPI reads its bounds here.
with

fiscal_months as (
    select * from {{ ref('int_fiscal_months') }}
),

final as (
    select distinct
        fiscal_year,
        fiscal_half,
        half_start,
        next_half_start
    from fiscal_months
)

select * from final
