-- The KPI scorecard (which metrics judge each team in a fiscal half, with what
-- weight), from the seed set chosen by var('accountability_seed_set').
with

scorecard as (
    select * from {{ kpi_seed('kpi_scorecard') }}
),

final as (
    select
        fiscal_year,
        fiscal_half,
        team,
        metric,
        weight
    from scorecard
)

select * from final
