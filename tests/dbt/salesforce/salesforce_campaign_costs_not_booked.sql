{{ config(severity='warn', enabled=var('crm_source', 'contract') == 'salesforce') }}
-- Campaigns whose ActualCost is not fully booked as daily costs (stg_salesforce__crm_campaign_costs):
-- no StartDate nor EndDate, EndDate before StartDate, or a period longer than the 10,000 days a cost
-- is spread over (a typo such as 2062). The rest of the cost is in no mart until the dates are fixed
-- in Salesforce. Checked on the sums, so any other way a cost fails to be booked is listed too.
with

campaigns as (
    select * from {{ ref('stg_salesforce__campaign') }}
),

costs as (
    select * from {{ ref('stg_salesforce__crm_campaign_costs') }}
),

booked as (
    select
        campaign_id,
        sum(amount) as booked_cost
    from costs
    group by campaign_id
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.actual_cost,
        coalesce(booked.booked_cost, 0) as booked_cost,
        campaigns.start_date,
        campaigns.end_date
    from campaigns
    left join booked
        on campaigns.campaign_id = booked.campaign_id
    where abs(campaigns.actual_cost - coalesce(booked.booked_cost, 0)) >= 0.005
)

select * from final
