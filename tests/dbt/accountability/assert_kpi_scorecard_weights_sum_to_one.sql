-- The weights of one team in one fiscal half sum to 1 (kpi_scorecard).
select
    fiscal_year,
    fiscal_half,
    team,
    sum(weight) as total_weight
from {{ ref('int_kpi_scorecard') }}
group by fiscal_year, fiscal_half, team
having abs(sum(weight) - 1) > 0.000001
