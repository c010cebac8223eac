-- Which stage, and so which team, owns a missed won target: plan vs actual won
-- deals and won amount per fiscal half x business unit, decomposed exactly
-- into funnel factors whose effects sum to actual - plan. Rules and the zero
-- cases: int_funnel_shortfall.
with

shortfall as (
    select * from {{ ref('int_funnel_shortfall') }}
),

final as (
    select
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(measure as {{ dbt.type_string() }}) as measure,
        cast(factor as {{ dbt.type_string() }}) as factor,
        cast(factor_order as integer) as factor_order,
        cast(owning_team as {{ dbt.type_string() }}) as owning_team,
        cast(plan_outcome as {{ type_money() }}) as plan_outcome,
        cast(actual_outcome as {{ type_money() }}) as actual_outcome,
        cast(gap as {{ type_money() }}) as gap,
        cast(plan_numerator as {{ type_money() }}) as plan_numerator,
        cast(plan_denominator as {{ type_money() }}) as plan_denominator,
        cast(actual_numerator as {{ type_money() }}) as actual_numerator,
        cast(actual_denominator as {{ type_money() }}) as actual_denominator,
        cast(plan_value as {{ type_ratio() }}) as plan_value,
        cast(actual_value as {{ type_ratio() }}) as actual_value,
        cast(factor_ratio as {{ type_ratio() }}) as factor_ratio,
        cast(log_ratio as {{ type_ratio() }}) as log_ratio,
        cast(effect as {{ type_ratio() }}) as effect,
        cast(effect_share as {{ type_ratio() }}) as effect_share,
        cast(decomposition_method as {{ dbt.type_string() }}) as decomposition_method,
        is_bottleneck,
        is_mature
    from shortfall
)

select * from final
