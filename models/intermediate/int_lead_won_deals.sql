-- "Won = a new deal", defined once: one row per new deal signed on an
-- opportunity of a lead, with its amount in the reporting currency. A renewal
-- or an expansion never wins a lead, and a deal on an opportunity without a
-- lead belongs to nobody. int_lead_stages_recorded takes the lead's won time
-- and amount from it; int_account_business_units counts a company's wins.
-- signed_at: the signing date has no time of day, so the deal counts as signed
-- at midnight, or at its opportunity's creation when that is later (signed the
-- day the opportunity was created, or dated before it). A midnight before the
-- same day's opportunity would make every earlier stage of that day implied.
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
        case
            when opportunities.opportunity_created_at > cast(deals.signed_on as {{ dbt.type_timestamp() }})
                then opportunities.opportunity_created_at
            else cast(deals.signed_on as {{ dbt.type_timestamp() }})
        end as signed_at,
        deals.amount_reporting
    from deals
    inner join opportunities
        on deals.opportunity_id = opportunities.opportunity_id
    where deals.deal_type = 'new'
        and opportunities.lead_id is not null
)

select * from final
