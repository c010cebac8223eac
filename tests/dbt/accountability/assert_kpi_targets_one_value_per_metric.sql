-- A metric has one target per business unit and half, whichever team owns it,
-- so the plan funnel (and the monthly half_target) is well defined.
select
    fiscal_year,
    fiscal_half,
    business_unit,
    metric,
    count(distinct target) as distinct_targets
from {{ ref('int_kpi_targets') }}
group by fiscal_year, fiscal_half, business_unit, metric
having count(distinct target) > 1
