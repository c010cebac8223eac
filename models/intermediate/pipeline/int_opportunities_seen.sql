-- The canonical opportunities' state as the loads saw it: one row per opportunity with the fields
-- that define its state and seen_at, the latest export time (int_latest_export). What
-- the snapshot snp_crm__opportunities records each night (snapshots/, docs/pipeline.md "Where history
-- comes from"): a change is dated the night it is seen, never by the wall clock.
{{ config(materialized='view') }}
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

latest_export as (
    select * from {{ ref('int_latest_export') }}
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.crm_stage,
        opportunities.amount,
        opportunities.currency,
        opportunities.close_date,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.closed_at,
        latest_export.export_time as seen_at
    from opportunities
    cross join latest_export
)

select * from final
