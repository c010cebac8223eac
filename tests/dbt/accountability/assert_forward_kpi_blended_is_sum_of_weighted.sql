-- A team's blended attainment is the sum of its weighted attainments, and is
-- null when any weighted metric has no attainment (no or zero target).
with

scorecard_rows as (
    select * from {{ ref('mart_forward_kpi') }}
),

components as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        team,
        count(*) as weighted_metrics,
        count(weighted_attainment) as attained_metrics,
        sum(weighted_attainment) as total_weighted_attainment
    from scorecard_rows
    where metric != 'blended'
        and weight is not null
    group by fiscal_year, fiscal_half, business_unit, team
),

blended as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        team,
        attainment
    from scorecard_rows
    where metric = 'blended'
),

final as (
    select
        components.fiscal_year,
        components.fiscal_half,
        components.business_unit,
        components.team,
        components.total_weighted_attainment,
        blended.attainment
    from components
    left join blended
        on components.fiscal_year = blended.fiscal_year
            and components.fiscal_half = blended.fiscal_half
            and components.business_unit = blended.business_unit
            and components.team = blended.team
    where
        blended.team is null
        or (
            components.attained_metrics = components.weighted_metrics
            and (
                blended.attainment is null
                or abs(blended.attainment - components.total_weighted_attainment) > 0.000000001
            )
        )
        or (components.attained_metrics < components.weighted_metrics and blended.attainment is not null)
)

select * from final
