-- Campaign costs per campaign x cost date x currency (the grain: an export may
-- hold several entries of one campaign on one day, e.g. two invoices, which
-- are added up here), with the amount in the reporting currency at the rate
-- of the month of the cost. Null when the currency has no rate (tested).
with

campaign_costs as (
    select * from {{ ref('stg_crm__campaign_costs') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

converted as (
    select
        campaign_costs.campaign_id,
        campaign_costs.cost_date,
        campaign_costs.amount,
        campaign_costs.currency,
        {{ reporting_amount('campaign_costs.amount', 'campaign_costs.currency', 'fx_rates.rate_to_reporting') }}
            as amount_reporting
    from campaign_costs
    left join fx_rates
        on {{ fx_rate_of('campaign_costs.currency', 'campaign_costs.cost_date') }}
),

final as (
    select
        campaign_id,
        cost_date,
        currency,
        sum(amount) as amount,
        sum(amount_reporting) as amount_reporting,
        count(*) as cost_entries
    from converted
    group by campaign_id, cost_date, currency
)

select * from final
