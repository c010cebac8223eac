{{ config(severity='warn', enabled=var('crm_source', 'contract') == 'salesforce') }}
-- Campaigns whose ActualCost could not be spread (no StartDate nor EndDate, or EndDate before
-- StartDate): the cost is in no mart until the dates are fixed in Salesforce.
with

campaigns as (
    select * from {{ ref('stg_salesforce__campaign') }}
),

final as (
    select
        campaign_id,
        campaign_name,
        actual_cost,
        start_date,
        end_date
    from campaigns
    where actual_cost > 0
        and (coalesce(start_date, end_date) is null or end_date < start_date)
)

select * from final
