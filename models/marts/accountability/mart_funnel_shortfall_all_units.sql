-- The shortfall of every business unit together, per fiscal half x measure x
-- factor: the units with a plan added up (int_funnel_shortfall). Each unit's
-- effects (with `unattributed`) add up to its gap, so the summed effects add up
-- to the summed gap; the bottleneck is the factor with the most negative summed
-- effect (macro shortfall_is_bottleneck, the units' rule applied to the sums). The
-- half is mature when every unit's rows are; an immature half, as for a unit,
-- gives no factor an effect and `unattributed` the whole gap. Units without a
-- plan for the measure (no gap) are counted, not added: their gap cannot be
-- decomposed. What the dashboard's shortfall shows for all units.
with

shortfall as (
    select * from {{ ref('int_funnel_shortfall') }}
),

-- Every unit of the half, with a plan or not: the half's maturity.
halves as (
    select
        fiscal_year,
        fiscal_half,
        min(case when is_mature then 1 else 0 end) = 1 as is_mature
    from shortfall
    group by fiscal_year, fiscal_half
),

-- The units of the half with and without a plan (a gap) for each measure.
unit_counts as (
    select
        fiscal_year,
        fiscal_half,
        measure,
        count(distinct case when gap is not null then business_unit end) as units_with_plan,
        count(distinct case when gap is null then business_unit end) as units_without_plan
    from shortfall
    group by fiscal_year, fiscal_half, measure
),

-- Plan, actual and gap once per unit and measure (every factor row of a unit carries them).
unit_outcomes as (
    select
        fiscal_year,
        fiscal_half,
        measure,
        sum(plan_outcome) as plan_outcome,
        sum(actual_outcome) as actual_outcome,
        sum(gap) as gap
    from shortfall
    where gap is not null
        and factor_order = 1
    group by fiscal_year, fiscal_half, measure
),

factor_effects as (
    select
        fiscal_year,
        fiscal_half,
        measure,
        factor,
        factor_order,
        max(owning_team) as owning_team,
        -- a fixed-point sum (macro attribution_exact): a sum of doubles depends on the order the engine
        -- adds them in, so two builds of the same data could differ in the last bits
        sum({{ attribution_exact('effect', 12) }}) as summed_effect
    from shortfall
    where gap is not null
    group by fiscal_year, fiscal_half, measure, factor, factor_order
),

effects as (
    select
        factor_effects.fiscal_year,
        factor_effects.fiscal_half,
        factor_effects.measure,
        factor_effects.factor,
        factor_effects.factor_order,
        factor_effects.owning_team,
        unit_outcomes.plan_outcome,
        unit_outcomes.actual_outcome,
        unit_outcomes.gap,
        case
            when halves.is_mature then factor_effects.summed_effect
            when factor_effects.factor = 'unattributed' then cast(unit_outcomes.gap as {{ type_ratio() }})
        end as effect,
        halves.is_mature,
        unit_counts.units_with_plan,
        unit_counts.units_without_plan
    from factor_effects
    inner join unit_outcomes
        on factor_effects.fiscal_year = unit_outcomes.fiscal_year
            and factor_effects.fiscal_half = unit_outcomes.fiscal_half
            and factor_effects.measure = unit_outcomes.measure
    inner join halves
        on factor_effects.fiscal_year = halves.fiscal_year
            and factor_effects.fiscal_half = halves.fiscal_half
    inner join unit_counts
        on factor_effects.fiscal_year = unit_counts.fiscal_year
            and factor_effects.fiscal_half = unit_counts.fiscal_half
            and factor_effects.measure = unit_counts.measure
),

final as (
    select
        cast(effects.fiscal_year as integer) as fiscal_year,
        cast(effects.fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        cast({{ all_rows_label() }} as {{ dbt.type_string() }}) as business_unit_scope,
        cast(effects.measure as {{ dbt.type_string() }}) as measure,
        cast(effects.factor as {{ dbt.type_string() }}) as factor,
        cast(effects.factor_order as integer) as factor_order,
        cast(effects.owning_team as {{ dbt.type_string() }}) as owning_team,
        cast(effects.plan_outcome as {{ type_money() }}) as plan_outcome,
        cast(effects.actual_outcome as {{ type_money() }}) as actual_outcome,
        cast(effects.gap as {{ type_money() }}) as gap,
        cast(effects.effect as {{ type_ratio() }}) as effect,
        cast({{ safe_divide('effects.effect', 'effects.gap') }} as {{ type_ratio() }}) as effect_share,
        -- The bottleneck rule on the summed effects (macro shortfall_is_bottleneck).
        {{ shortfall_is_bottleneck(['fiscal_year', 'fiscal_half', 'measure'], 'effects') }} as is_bottleneck,
        effects.is_mature,
        cast(effects.units_with_plan as {{ dbt.type_bigint() }}) as units_with_plan,
        cast(effects.units_without_plan as {{ dbt.type_bigint() }}) as units_without_plan
    from effects
)

select * from final
