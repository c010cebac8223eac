-- Plan vs actual funnel per fiscal half x business unit: the counts (and won
-- amount) of every shortfall factor (shortfall_factors()) in the plan (the
-- business unit's targets for the half, int_half_targets) and in the half
-- (own-stage metrics, int_metric_actuals_by_half), and whether the half is
-- over (is_mature). Groups: every half x business unit with a plan, and every
-- business unit with an event in a half that has a plan
-- (int_half_business_units_with_events). int_funnel_shortfall decomposes it.
{%- set factors = shortfall_factors() %}
{%- set plan_metrics = factors | map(attribute='numerator') | list %}
{%- set plan_metric_list = "'" ~ plan_metrics | join("', '") ~ "'" %}
with

half_targets as (
    select * from {{ ref('int_half_targets') }}
),

business_units_with_events as (
    select * from {{ ref('int_half_business_units_with_events') }}
),

actuals_by_half as (
    select * from {{ ref('int_metric_actuals_by_half') }}
),

fiscal_halves as (
    select * from {{ ref('int_fiscal_halves') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

plan_targets as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        metric,
        target as target_value
    from half_targets
    where metric in ({{ plan_metric_list }})
),

planned_halves as (
    select distinct
        fiscal_year,
        fiscal_half
    from plan_targets
),

decomposed_groups as (
    select
        fiscal_year,
        fiscal_half,
        business_unit
    from plan_targets
    union
    select
        business_units_with_events.fiscal_year,
        business_units_with_events.fiscal_half,
        business_units_with_events.business_unit
    from business_units_with_events
    inner join planned_halves
        on business_units_with_events.fiscal_year = planned_halves.fiscal_year
            and business_units_with_events.fiscal_half = planned_halves.fiscal_half
),

plan_funnel as (
    select
        decomposed_groups.fiscal_year,
        decomposed_groups.fiscal_half,
        decomposed_groups.business_unit,
        {%- for metric in plan_metrics %}
            max(case when plan_targets.metric = '{{ metric }}' then plan_targets.target_value end) as plan_{{ metric }},
        {%- endfor %}
        count(plan_targets.metric) as plan_metrics_given
    from decomposed_groups
    left join plan_targets
        on decomposed_groups.fiscal_year = plan_targets.fiscal_year
            and decomposed_groups.fiscal_half = plan_targets.fiscal_half
            and decomposed_groups.business_unit = plan_targets.business_unit
    group by decomposed_groups.fiscal_year, decomposed_groups.fiscal_half, decomposed_groups.business_unit
),

plan_metric_actuals as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        metric,
        actual
    from actuals_by_half
    where metric in ({{ plan_metric_list }})
),

actual_funnel as (
    select
        decomposed_groups.fiscal_year,
        decomposed_groups.fiscal_half,
        decomposed_groups.business_unit,
        {%- for metric in plan_metrics %}
            coalesce(
                max(case when plan_metric_actuals.metric = '{{ metric }}' then plan_metric_actuals.actual end), 0
            ) as actual_{{ metric }},
        {%- endfor %}
        count(plan_metric_actuals.metric) as actual_metrics_given
    from decomposed_groups
    left join plan_metric_actuals
        on decomposed_groups.fiscal_year = plan_metric_actuals.fiscal_year
            and decomposed_groups.fiscal_half = plan_metric_actuals.fiscal_half
            and decomposed_groups.business_unit = plan_metric_actuals.business_unit
    group by decomposed_groups.fiscal_year, decomposed_groups.fiscal_half, decomposed_groups.business_unit
),

final as (
    select
        plan_funnel.*,
        {%- for metric in plan_metrics %}
            actual_funnel.actual_{{ metric }},
        {%- endfor %}
        -- Own-stage counts have no window: the half is mature once it is over.
        {{ kpi_is_mature('fiscal_halves.next_half_start', 'null', 'as_of.as_of_at') }} as is_mature
    from plan_funnel
    inner join actual_funnel
        on plan_funnel.fiscal_year = actual_funnel.fiscal_year
            and plan_funnel.fiscal_half = actual_funnel.fiscal_half
            and plan_funnel.business_unit = actual_funnel.business_unit
    left join fiscal_halves
        on plan_funnel.fiscal_year = fiscal_halves.fiscal_year
            and plan_funnel.fiscal_half = fiscal_halves.fiscal_half
    cross join as_of
)

select * from final
