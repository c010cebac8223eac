-- Version 1 of marts.fct_kpi_metric_events, deprecated (docs/governance.md):
-- one row per lead x catalogue metric, as v1 always was. Served as
-- marts.fct_kpi_metric_events_v1 until its deprecation date; delete this file
-- and the yml entry after it. The latest version places a lead's won_amount
-- per new deal, at its signing; v1 keeps the lead's whole won amount at its
-- first won event (so a later deal still moves an earlier period here). Every
-- other metric has one row per lead in both versions and passes through; only
-- won_amount's rows are summed per lead (about one lead in thirty wins), so
-- reading the view costs little more than reading version 2.
with

metric_events as (
    select * from {{ ref('fct_kpi_metric_events', v=2) }}
),

other_metrics as (
    select
        metric,
        metric_kind,
        lead_id,
        business_unit,
        anchor_at,
        fiscal_month,
        fiscal_year,
        fiscal_half,
        outcome_at,
        window_ends_at,
        is_outcome_in_window,
        is_window_complete,
        metric_value
    from metric_events
    where metric != 'won_amount'
),

won_deals as (
    select * from metric_events
    where metric = 'won_amount'
),

lead_won_totals as (
    select
        lead_id,
        min(anchor_at) as first_anchor_at,
        cast(sum(metric_value) as {{ type_money() }}) as metric_value
    from won_deals
    group by lead_id
),

-- The columns of the lead's first won_amount event. They follow from its anchor
-- (an own-stage event), so two deals anchored at the same instant give one row.
first_won_events as (
    select distinct
        won_deals.metric,
        won_deals.metric_kind,
        won_deals.lead_id,
        won_deals.business_unit,
        won_deals.anchor_at,
        won_deals.fiscal_month,
        won_deals.fiscal_year,
        won_deals.fiscal_half,
        won_deals.outcome_at,
        won_deals.window_ends_at,
        won_deals.is_outcome_in_window,
        won_deals.is_window_complete
    from won_deals
    inner join lead_won_totals
        on
            won_deals.lead_id = lead_won_totals.lead_id
            and won_deals.anchor_at = lead_won_totals.first_anchor_at
),

won_amounts as (
    select
        first_won_events.metric,
        first_won_events.metric_kind,
        first_won_events.lead_id,
        first_won_events.business_unit,
        first_won_events.anchor_at,
        first_won_events.fiscal_month,
        first_won_events.fiscal_year,
        first_won_events.fiscal_half,
        first_won_events.outcome_at,
        first_won_events.window_ends_at,
        first_won_events.is_outcome_in_window,
        first_won_events.is_window_complete,
        lead_won_totals.metric_value
    from first_won_events
    inner join lead_won_totals
        on first_won_events.lead_id = lead_won_totals.lead_id
),

final as (
    select * from other_metrics
    union all
    select * from won_amounts
)

select * from final
