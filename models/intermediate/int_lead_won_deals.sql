-- "Won = a new deal", defined once: one row per new deal signed on an
-- opportunity of a lead, with its amount in the reporting currency. A renewal
-- or an expansion never wins a lead, and a deal on an opportunity without a
-- lead belongs to nobody. int_lead_stages_recorded takes the lead's won time
-- and amount from it; int_account_business_units counts a company's wins.
with

deals as (
    select * from {{ ref('int_deals_reporting_currency') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

final as (
    select
        opportunities.lead_id,
        deals.deal_id,
        deals.opportunity_id,
        deals.signed_on,
        deals.amount_reporting
    from deals
    inner join opportunities
        on deals.opportunity_id = opportunities.opportunity_id
    where deals.deal_type = 'new'
        and opportunities.lead_id is not null
)

select * from final
