-- Version 1 of marts.fct_kpi_metric_events, deprecated (docs/governance.md):
-- one row per lead x catalogue metric, as v1 always was. Served as
-- marts.fct_kpi_metric_events_v1 until its deprecation date; delete this file
-- and the yml entry after it. The latest version places a lead's won_amount
-- per new deal, at its signing; v1 keeps the lead's whole won amount at its
-- first won event (so a later deal still moves an earlier period here). Every
-- other metric has one row per lead in both versions.
with

metric_events as (
    select * from {{ ref('fct_kpi_metric_events', v=2) }}
),

lead_totals as (
    select
        metric,
        lead_id,
        min(anchor_at) as first_anchor_at,
        cast(sum(metric_value) as {{ type_money() }}) as metric_value
    from metric_events
    group by metric, lead_id
),

-- The columns of the first event. An own-stage event's columns other than the
-- deal and its value follow from its anchor, so two deals anchored at the same
-- instant give one row here.
first_events as (
    select distinct
        metric_events.metric,
        metric_events.metric_kind,
        metric_events.lead_id,
        metric_events.business_unit,
        metric_events.anchor_at,
        metric_events.fiscal_month,
        metric_events.fiscal_year,
        metric_events.fiscal_half,
        metric_events.outcome_at,
        metric_events.window_ends_at,
        metric_events.is_outcome_in_window,
        metric_events.is_window_complete
    from metric_events
    inner join lead_totals
        on
            metric_events.metric = lead_totals.metric
            and metric_events.lead_id = lead_totals.lead_id
            and metric_events.anchor_at = lead_totals.first_anchor_at
),

final as (
    select
        first_events.metric,
        first_events.metric_kind,
        first_events.lead_id,
        first_events.business_unit,
        first_events.anchor_at,
        first_events.fiscal_month,
        first_events.fiscal_year,
        first_events.fiscal_half,
        first_events.outcome_at,
        first_events.window_ends_at,
        first_events.is_outcome_in_window,
        first_events.is_window_complete,
        lead_totals.metric_value
    from first_events
    inner join lead_totals
        on
            first_events.metric = lead_totals.metric
            and first_events.lead_id = lead_totals.lead_id
)

select * from final
