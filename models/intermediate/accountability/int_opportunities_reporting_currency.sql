-- Opportunities with their amount in the reporting currency, at the rate of the
-- month they were created (same rule as int_deals_reporting_currency).
-- amount_reporting is null when the amount is empty, or when the currency has
-- no rate (a test fails the build then).
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.lead_id,
        opportunities.business_unit,
        opportunities.owner_id,
        opportunities.opportunity_created_at,
        opportunities.crm_stage,
        opportunities.amount,
        opportunities.currency,
        opportunities.closed_at,
        opportunities.is_won,
        {{ reporting_amount('opportunities.amount', 'opportunities.currency', 'fx_rates.rate_to_reporting') }}
            as amount_reporting
    from opportunities
    left join fx_rates
        on {{ fx_rate_of('opportunities.currency', opportunity_rate_date('opportunities')) }}
)

select * from final
