-- Deals with their amount in the reporting currency, at the rate of the month
-- they were signed. amount_reporting is null when the currency has no rate
-- (a not_null test fails the build then).
with

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

final as (
    select
        deals.deal_id,
        deals.opportunity_id,
        deals.signed_on,
        deals.deal_type,
        deals.amount,
        deals.currency,
        deals.contract_start,
        deals.contract_end,
        deals.renewed_from_deal_id,
        {{ reporting_amount('deals.amount', 'deals.currency', 'fx_rates.rate_to_reporting') }} as amount_reporting
    from deals
    left join fx_rates
        on {{ fx_rate_of('deals.currency', 'deals.signed_on') }}
)

select * from final
