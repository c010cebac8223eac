-- The KPI targets per fiscal half, business unit, team and metric, from the
-- seed set chosen by var('accountability_seed_set'). The own-stage targets
-- leads .. won_amount are also the plan funnel of mart_funnel_shortfall.
with

targets as (
    select * from {{ kpi_seed('kpi_targets') }}
),

final as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        team,
        metric,
        target
    from targets
)

select * from final
