-- The factors' effects (with the unattributed row) add up to actual - plan in
-- every half x business unit x measure whose gap is known (floating point:
-- within 1e-9 of the gap, relative to its size).
select
    fiscal_year,
    fiscal_half,
    business_unit,
    measure,
    max(gap) as gap,
    sum(effect) as total_effect
from {{ ref('mart_funnel_shortfall') }}
group by fiscal_year, fiscal_half, business_unit, measure
having max(gap) is not null
    and (
        sum(effect) is null
        or abs(sum(effect) - max(gap)) > 0.000000001 * (case when abs(max(gap)) > 1 then abs(max(gap)) else 1 end)
    )
