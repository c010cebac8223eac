-- "An event" of the funnel's data, defined once: one row per dated event of
-- every record, with the lead it belongs to (null for an opportunity or deal
-- not tied to a lead). Three rules read it, each under its own name:
--   * the data's latest business event (int_as_of): every event_type except
--     lead_updated (a record edit is not a business event);
--   * a lead changed since a cutoff (the nightly build): every event of a
--     lead, record edits included; int_lead_latest_changes keeps each lead's
--     latest, which incremental_lead_ids() compares with a model's cutoff;
--   * a lead's engagement events (int_lead_company_spans): the lead's
--     creation, activities, status changes and opportunity creations, when a
--     team is working the lead; closes and signings are outcomes, not work.
-- A deal signed on the lead's opportunity is a `deal_signed` event of that
-- lead; a renewal of such a deal is also a `renewal_signed` event of it; a
-- change in the opportunity's history (stage, amount, close date, forecast
-- category: int_opportunity_history) is an `opportunity_changed` event. A
-- view: every reader filters it (event type, cutoff), and nothing is stored.
{{ config(materialized='view') }}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

activities as (
    select * from {{ ref('stg_crm__lead_activities') }}
),

status_changes as (
    select * from {{ ref('stg_crm__lead_status_changes') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

opportunity_history as (
    select * from {{ ref('int_opportunity_history') }}
),

deal_leads as (
    select
        deals.deal_id,
        deals.renewed_from_deal_id,
        cast(deals.signed_on as {{ dbt.type_timestamp() }}) as signed_at,
        opportunities.lead_id
    from deals
    left join opportunities
        on deals.opportunity_id = opportunities.opportunity_id
),

final as (
    select
        lead_id,
        'lead_created' as event_type,
        lead_created_at as event_at
    from leads
    union all
    select
        lead_id,
        'lead_updated' as event_type,
        updated_at as event_at
    from leads
    where updated_at is not null
    union all
    select
        lead_id,
        'activity' as event_type,
        activity_at as event_at
    from activities
    union all
    select
        lead_id,
        'status_change' as event_type,
        changed_at as event_at
    from status_changes
    union all
    select
        lead_id,
        'opportunity_created' as event_type,
        opportunity_created_at as event_at
    from opportunities
    union all
    select
        lead_id,
        'opportunity_closed' as event_type,
        closed_at as event_at
    from opportunities
    where closed_at is not null
    union all
    select
        opportunities.lead_id,
        'opportunity_changed' as event_type,
        opportunity_history.changed_at as event_at
    from opportunity_history
    inner join opportunities
        on opportunity_history.opportunity_id = opportunities.opportunity_id
    union all
    select
        lead_id,
        'deal_signed' as event_type,
        signed_at as event_at
    from deal_leads
    union all
    select
        renewed.lead_id,
        'renewal_signed' as event_type,
        deal_leads.signed_at as event_at
    from deal_leads
    inner join deal_leads as renewed
        on deal_leads.renewed_from_deal_id = renewed.deal_id
    where renewed.lead_id is not null
)

select * from final
