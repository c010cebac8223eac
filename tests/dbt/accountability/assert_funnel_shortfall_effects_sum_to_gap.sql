-- The factors' effects (with the unattributed row) add up to actual - plan in
-- every half x business unit x measure whose gap is known, and in every half x
-- measure of every unit together (floating point: within 1e-9 of the gap,
-- relative to its size).
with

units as (
    select * from {{ ref('mart_funnel_shortfall') }}
),

all_units as (
    select * from {{ ref('mart_funnel_shortfall_all_units') }}
),

effects as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        measure,
        gap,
        effect
    from units
    union all
    select
        fiscal_year,
        fiscal_half,
        business_unit_scope as business_unit,
        measure,
        gap,
        effect
    from all_units
),

final as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        measure,
        max(gap) as gap,
        sum(effect) as total_effect
    from effects
    group by fiscal_year, fiscal_half, business_unit, measure
    having max(gap) is not null
        and (
            sum(effect) is null
            or abs(sum(effect) - max(gap)) > 0.000000001 * (case when abs(max(gap)) > 1 then abs(max(gap)) else 1 end)
        )
)

select * from final
