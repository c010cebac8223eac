{#-
    stage_conversion_rate(next_stage, converted, reached, ratio_type=none): a stage's conversion, the
    one rule of every stage-conversion mart (mart_stage_conversion, its v1 and its rollups): the leads
    that reached the next stage over the leads that reached this one (safe_divide), null for the last
    stage (no next stage) and when none reached. ratio_type: type_exact_ratio() unless given (v1
    keeps its double).
-#}
{% macro stage_conversion_rate(next_stage, converted, reached, ratio_type=none) -%}
    cast(
        case when {{ next_stage }} is not null then {{ safe_divide(converted, reached) }} end
        as {{ ratio_type or type_exact_ratio() }}
    )
{%- endmacro %}

{#-
    stage_conversion_rollup(relation, period_columns): stage counts added up per period_columns x
    business_unit_scope x stage. `relation` has period_columns, business_unit_scope, stage,
    stage_order, next_stage, reached_count and converted_count: mart_stage_conversion's rows with
    their scopes (macro all_and_own_scopes), or mart_stage_conversion_unit_monthly's. Counts add up;
    the rate is the rule above applied to the sums, never a mean of rates. cohort_leads is the lead
    stage's (stage_order 1) reached_count of the period and scope, on every stage row: null, and so a
    failed contract, should a scope ever lack its lead row. rate_from_lead is the share of those
    leads that reached the stage. Medians do not add up: they stay per channel in
    mart_stage_conversion.
-#}
{% macro stage_conversion_rollup(relation, period_columns) -%}
    {%- set partition = period_columns | join(', ') ~ ', business_unit_scope' %}
    select
        {{ partition }},
        stage,
        stage_order,
        next_stage,
        max(case when stage_order = 1 then sum(reached_count) end) over (
            partition by {{ partition }}
        ) as cohort_leads,
        sum(reached_count) as reached_count,
        sum(converted_count) as converted_count
    from {{ relation }}
    group by {{ partition }}, stage, stage_order, next_stage
{%- endmacro %}

{#-
    stage_conversion_rollup_columns(): the measure columns of the rollup marts
    (mart_stage_conversion_half, mart_stage_conversion_unit_monthly), in their contract types.
-#}
{% macro stage_conversion_rollup_columns() -%}
    cast(business_unit_scope as {{ dbt.type_string() }}) as business_unit_scope,
    cast(stage as {{ dbt.type_string() }}) as stage,
    cast(stage_order as integer) as stage_order,
    cast(next_stage as {{ dbt.type_string() }}) as next_stage,
    cast(cohort_leads as {{ dbt.type_bigint() }}) as cohort_leads,
    cast(reached_count as {{ dbt.type_bigint() }}) as reached_count,
    cast(converted_count as {{ dbt.type_bigint() }}) as converted_count,
    {{ stage_conversion_rate('next_stage', 'converted_count', 'reached_count') }} as conversion_rate,
    cast({{ safe_divide('reached_count', 'cohort_leads') }} as {{ type_exact_ratio() }}) as rate_from_lead
{%- endmacro %}

{#-
    cohort_maturity_columns(period_end, as_of_at): when a lead cohort (a month, a half) is mature: every
    lead it can hold, created before period_end, has had its whole forward window (var
    forward_window_days, macro kpi_window_ends_at). matures_at is the window end of period_end itself,
    at or after every such lead's (to the microsecond), so a mature cohort's leads are also mature for
    the forward KPIs; it is known ahead, never null. is_mature: as_of_at is at or past it. The cohort's
    early-stage rates have then had the window; its later stages (won, renewed) can still grow.
    maturity_window_days is the window used, so a reader of the marts (the dashboard) names the
    build's window, not its own.
-#}
{% macro cohort_maturity_columns(period_end, as_of_at) -%}
    {%- set matures_at = kpi_window_ends_at('cast(' ~ period_end ~ ' as ' ~ dbt.type_timestamp() ~ ')') -%}
    cast({{ matures_at }} as {{ dbt.type_timestamp() }}) as matures_at,
    coalesce({{ matures_at }} <= {{ as_of_at }}, false) as is_mature,
    cast({{ forward_window_days() }} as integer) as maturity_window_days
{%- endmacro %}

{#-
    rows_with_as_of(relation, as_of='as_of'): every row of `relation` with the build's as-of instant
    (as_of_at of the model's import of int_as_of, named `as_of`) beside it, for
    cohort_maturity_columns.
-#}
{% macro rows_with_as_of(relation, as_of='as_of') -%}
    select
        {{ relation }}.*,
        {{ as_of }}.as_of_at
    from {{ relation }}
    cross join {{ as_of }}
{%- endmacro %}
