-- One row per lead with the recorded time of each stage (null when the lead
-- has no event for it) and its won amount. Entered times are derived from
-- these in int_lead_stages_entered.
{{ lead_replace_config(lead_watermark='lead_created_at') }}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
    {{- incremental_lead_filter() }}
),

mql_recorded as (
    select * from {{ ref('int_lead_mql_recorded') }}
),

status_changes as (
    select * from {{ ref('stg_crm__lead_status_changes') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

deals as (
    select * from {{ ref('int_deals_reporting_currency') }}
),

lead_won_deals as (
    select * from {{ ref('int_lead_won_deals') }}
),

sal_recorded as (
    select
        lead_id,
        min(changed_at) as sal_recorded_at
    from status_changes
    where status = 'accepted'
    group by lead_id
),

opportunity_recorded as (
    select
        lead_id,
        min(opportunity_created_at) as opportunity_recorded_at
    from opportunities
    where lead_id is not null
    group by lead_id
),

won_recorded as (
    select
        lead_id,
        min(signed_at) as won_recorded_at,
        sum(amount_reporting) as won_amount
    from lead_won_deals
    group by lead_id
),

-- A renewal's signing date has no time of day: it counts as signed at
-- midnight, or at the won time of the deal it renews when that is later
-- (signed the day that deal was won, or dated before it). A midnight before
-- the same day's won deal would make every earlier stage of that day implied.
renewal_signings as (
    select
        lead_won_deals.lead_id,
        case
            when lead_won_deals.signed_at > cast(deals.signed_on as {{ dbt.type_timestamp() }})
                then lead_won_deals.signed_at
            else cast(deals.signed_on as {{ dbt.type_timestamp() }})
        end as renewal_signed_at
    from deals
    inner join lead_won_deals
        on deals.renewed_from_deal_id = lead_won_deals.deal_id
    where deals.deal_type = 'renewal'
),

renewed_recorded as (
    select
        lead_id,
        min(renewal_signed_at) as renewed_recorded_at
    from renewal_signings
    group by lead_id
),

final as (
    select
        leads.lead_id,
        leads.business_unit,
        leads.source_campaign_id,
        leads.lead_created_at,
        mql_recorded.mql_recorded_at,
        sal_recorded.sal_recorded_at,
        opportunity_recorded.opportunity_recorded_at,
        won_recorded.won_recorded_at,
        renewed_recorded.renewed_recorded_at,
        coalesce(won_recorded.won_amount, 0) as won_amount
    from leads
    left join mql_recorded
        on leads.lead_id = mql_recorded.lead_id
    left join sal_recorded
        on leads.lead_id = sal_recorded.lead_id
    left join opportunity_recorded
        on leads.lead_id = opportunity_recorded.lead_id
    left join won_recorded
        on leads.lead_id = won_recorded.lead_id
    left join renewed_recorded
        on leads.lead_id = renewed_recorded.lead_id
)

select * from final
