-- "A lead changed since a cutoff" (the nightly incremental filter,
-- incremental_lead_ids()), worked out once per run: one row per lead with the
-- time of its latest event in int_funnel_events, record edits included. A lead
-- changed at or after a cutoff exactly when last_changed_at >= the cutoff, so
-- every lead_replace model reads its changed leads here instead of scanning
-- every event again (one scan of the events a night, not one per model). A
-- view on Spark, where those models are tables and nothing reads it.
{{ config(materialized='view' if target.type == 'spark' else 'table') }}
with

events as (
    select * from {{ ref('int_funnel_events') }}
),

final as (
    select
        lead_id,
        max(event_at) as last_changed_at
    from events
    where lead_id is not null
    group by lead_id
)

select * from final
