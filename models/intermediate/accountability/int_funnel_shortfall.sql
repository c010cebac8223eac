-- Plan vs actual won deals (and won amount) per fiscal half and business unit,
-- decomposed exactly into the factors of the funnel (shortfall_factors()):
-- won = leads x (mqls/leads) x (sals/mqls) x (opportunities/sals)
--       x (won_deals/opportunities) [x (won_amount/won_deals) for won_amount],
-- all counted in the half (own-stage metrics, int_metric_actuals_by_half); the
-- plan is the same funnel in the targets (int_kpi_targets).
-- Logarithmic (LMDI) decomposition: ln(actual/plan) of the outcome is the sum
-- of ln(actual/plan) of the factors, so with gap = actual - plan each factor's
-- effect = gap x ln(factor ratio) / ln(actual/plan outcome) (= outcome x
-- ln(factor ratio) when actual = plan), and the effects sum to the gap.
-- Where a count or a plan is zero the logarithm does not exist; the method says
-- what happens instead (see decomposition_method below); the `unattributed`
-- row carries any gap that cannot be given to a factor, so the effects of a
-- group always sum to its gap. Nothing is divided by zero and no row is dropped.
-- A half that is not over (is_mature false) is `immature`: no factor effect,
-- no bottleneck; `unattributed` carries its gap.
-- The two funnels come from int_shortfall_plan_vs_actual.
-- Longer than 150 lines on purpose: the factor rows, the method and the
-- effects are one computation (each step reads the one before), and one unit
-- test pins them together (_int_accountability__unit_tests.yml).
{%- set factors = shortfall_factors() %}
{%- set measures = shortfall_measures() %}
with

plan_vs_actual as (
    select * from {{ ref('int_shortfall_plan_vs_actual') }}
),

factor_rows as (
    {%- for measure in measures %}
        {%- set measure_loop = loop %}
        {%- for factor in factors %}
            {%- if measure in factor.measures %}
                select
                    fiscal_year,
                    fiscal_half,
                    business_unit,
                    is_mature,
                    '{{ measure }}' as measure,
                    '{{ factor.factor }}' as factor,
                    {{ loop.index }} as factor_order,
                    '{{ factor.owning_team }}' as owning_team,
                    plan_{{ measure }} as plan_outcome,
                    actual_{{ measure }} as actual_outcome,
                    plan_{{ factor.numerator }} as plan_numerator,
                    {{ 'plan_' ~ factor.denominator if factor.denominator else 'cast(null as ' ~ type_money() ~ ')' }}
                        as plan_denominator,
                    actual_{{ factor.numerator }} as actual_numerator,
                    {{ 'actual_' ~ factor.denominator if factor.denominator else 'cast(null as ' ~ type_money() ~ ')' }}
                        as actual_denominator
                from plan_vs_actual
                union all
            {%- endif %}
        {%- endfor %}
        select
            fiscal_year,
            fiscal_half,
            business_unit,
            is_mature,
            '{{ measure }}' as measure,
            'unattributed' as factor,
            {{ factors | length + 1 }} as factor_order,
            cast(null as {{ dbt.type_string() }}) as owning_team,
            plan_{{ measure }} as plan_outcome,
            actual_{{ measure }} as actual_outcome,
            cast(null as {{ type_money() }}) as plan_numerator,
            cast(null as {{ type_money() }}) as plan_denominator,
            cast(null as {{ type_money() }}) as actual_numerator,
            cast(null as {{ type_money() }}) as actual_denominator
        from plan_vs_actual
        {%- if not measure_loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

group_checks as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        measure,
        sum(case when plan_numerator is null then 1 else 0 end) as missing_plan_counts,
        sum(case when plan_numerator <= 0 or actual_numerator <= 0 then 1 else 0 end) as zero_counts,
        min(case when actual_numerator = 0 then factor_order end) as first_zero_actual_factor,
        min(case when plan_numerator = 0 then factor_order end) as first_zero_plan_factor
    from factor_rows
    where factor != 'unattributed'
    group by fiscal_year, fiscal_half, business_unit, measure
),

with_method as (
    select
        factor_rows.*,
        group_checks.first_zero_actual_factor,
        group_checks.first_zero_plan_factor,
        factor_rows.actual_outcome - factor_rows.plan_outcome as gap,
        case
            when not factor_rows.is_mature then 'immature'
            when group_checks.missing_plan_counts > 0 then 'missing_plan'
            when group_checks.zero_counts = 0 then 'log_mean_divisia'
            when factor_rows.actual_outcome = factor_rows.plan_outcome then 'no_gap'
            when factor_rows.actual_outcome = 0 then 'zero_actual'
            when factor_rows.plan_outcome = 0 then 'zero_plan'
            else 'not_decomposable'
        end as decomposition_method,
        factor_rows.is_mature
        and group_checks.missing_plan_counts = 0
        and (
            group_checks.zero_counts = 0
            or factor_rows.actual_outcome = factor_rows.plan_outcome
            or factor_rows.actual_outcome = 0
            or factor_rows.plan_outcome = 0
        ) as is_attributable
    from factor_rows
    inner join group_checks
        on factor_rows.fiscal_year = group_checks.fiscal_year
            and factor_rows.fiscal_half = group_checks.fiscal_half
            and factor_rows.business_unit = group_checks.business_unit
            and factor_rows.measure = group_checks.measure
),

with_ratios as (
    select
        *,
        case
            when factor = 'lead_volume' then cast(plan_numerator as {{ type_ratio() }})
            else {{ safe_divide('plan_numerator', 'plan_denominator') }}
        end as plan_value,
        case
            when factor = 'lead_volume' then cast(actual_numerator as {{ type_ratio() }})
            else {{ safe_divide('actual_numerator', 'actual_denominator') }}
        end as actual_value,
        case
            when factor = 'lead_volume' then {{ safe_divide('actual_numerator', 'plan_numerator') }}
            else {{ safe_divide('actual_numerator * plan_denominator', 'actual_denominator * plan_numerator') }}
        end as factor_ratio,
        {{ safe_divide('actual_outcome', 'plan_outcome') }} as outcome_ratio
    from with_method
),

with_logs as (
    select
        *,
        case
            when decomposition_method = 'log_mean_divisia' and factor != 'unattributed' then ln(factor_ratio)
        end as log_ratio,
        case
            when decomposition_method = 'log_mean_divisia' and actual_outcome != plan_outcome then ln(outcome_ratio)
        end as log_outcome_ratio
    from with_ratios
),

with_effects as (
    select
        *,
        case
            when factor = 'unattributed' and not is_attributable then cast(gap as {{ type_ratio() }})
            when factor = 'unattributed' then cast(0 as {{ type_ratio() }})
            when not is_attributable then null
            when decomposition_method = 'no_gap' then cast(0 as {{ type_ratio() }})
            when decomposition_method = 'log_mean_divisia' and actual_outcome = plan_outcome
                then cast(actual_outcome as {{ type_ratio() }}) * log_ratio
            when decomposition_method = 'log_mean_divisia'
                then cast(gap as {{ type_ratio() }}) * (log_ratio / log_outcome_ratio)
            when decomposition_method = 'zero_actual'
                then cast(case when factor_order = first_zero_actual_factor then gap else 0 end as {{ type_ratio() }})
            when decomposition_method = 'zero_plan'
                then cast(case when factor_order = first_zero_plan_factor then gap else 0 end as {{ type_ratio() }})
        end as effect
    from with_logs
),

final as (
    select
        with_effects.fiscal_year,
        with_effects.fiscal_half,
        with_effects.business_unit,
        with_effects.measure,
        with_effects.factor,
        with_effects.factor_order,
        with_effects.owning_team,
        with_effects.plan_outcome,
        with_effects.actual_outcome,
        with_effects.gap,
        with_effects.plan_numerator,
        with_effects.plan_denominator,
        with_effects.actual_numerator,
        with_effects.actual_denominator,
        with_effects.plan_value,
        with_effects.actual_value,
        with_effects.factor_ratio,
        with_effects.log_ratio,
        cast(with_effects.effect as {{ type_ratio() }}) as effect,
        {{ safe_divide('with_effects.effect', 'with_effects.gap') }} as effect_share,
        with_effects.decomposition_method,
        -- The bottleneck rule (macro shortfall_is_bottleneck, the all-units mart's too).
        {{ shortfall_is_bottleneck(
            ['fiscal_year', 'fiscal_half', 'business_unit', 'measure'], 'with_effects'
        ) }} as is_bottleneck,
        with_effects.is_mature
    from with_effects
)

select * from final
