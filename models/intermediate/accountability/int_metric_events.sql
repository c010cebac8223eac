-- Every KPI metric event in one long table: one row per lead and metric (per
-- new deal for won_amount, int_metric_stage_entries), with
-- the anchor's period (fiscal month, half, year of anchor_at) and business unit
-- (the lead's), whether its outcome counts and whether its window has elapsed.
-- Own-stage events have no window: they count at once and are complete when
-- anchor_at <= as_of_at. Summing metric_value by period gives every metric.
{{ lead_replace_config(
    lead_watermark='anchor_at',
    as_of_judgement={'flag': 'is_window_complete', 'due_at': 'window_ends_at'},
) }}
with

metrics as (
    select * from {{ ref('int_kpi_metrics') }}
),

stage_entries as (
    select * from {{ ref('int_metric_stage_entries') }}
    {{- incremental_lead_filter() }}
),

forward_outcomes as (
    select * from {{ ref('int_metric_forward_outcomes') }}
    {{- incremental_lead_filter() }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

own_stage_events as (
    select
        stage_entries.metric,
        stage_entries.lead_id,
        stage_entries.business_unit,
        stage_entries.deal_id,
        stage_entries.anchor_at,
        cast(null as {{ dbt.type_timestamp() }}) as outcome_at,
        stage_entries.anchor_at as window_ends_at,
        true as is_outcome_in_window,
        stage_entries.anchor_at <= as_of.as_of_at as is_window_complete,
        stage_entries.metric_value
    from stage_entries
    cross join as_of
),

forward_events as (
    select
        metric,
        lead_id,
        business_unit,
        cast(null as {{ dbt.type_string() }}) as deal_id,
        anchor_at,
        outcome_at,
        window_ends_at,
        is_outcome_in_window,
        is_window_complete,
        metric_value
    from forward_outcomes
),

all_events as (
    select * from own_stage_events
    union all
    select * from forward_events
),

final as (
    select
        all_events.metric,
        metrics.metric_kind,
        all_events.lead_id,
        all_events.business_unit,
        all_events.deal_id,
        all_events.anchor_at,
        {{ month_start('all_events.anchor_at') }} as fiscal_month,
        {{ fiscal_year('all_events.anchor_at') }} as fiscal_year,
        {{ fiscal_half('all_events.anchor_at') }} as fiscal_half,
        all_events.outcome_at,
        all_events.window_ends_at,
        all_events.is_outcome_in_window,
        all_events.is_window_complete,
        all_events.metric_value
    from all_events
    left join metrics
        on all_events.metric = metrics.metric
)

select * from final
