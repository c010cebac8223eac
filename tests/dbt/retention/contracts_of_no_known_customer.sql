{{ config(severity='warn') }}
-- Contracts whose customer is unknown: their chain starts at a deal without an
-- opportunity (the contract allows one for an expansion or a renewal), so the
-- customer falls back to `deal:<anchor_deal_id>` and the business unit to var
-- default_business_unit (docs/retention.md). Such a contract counts as a new
-- customer of that unit in mart_arr_bridge and mart_unit_economics: an upsell sent
-- without its opportunity reads as a new logo. Give the deal its opportunity_id.
with

contracts as (
    select * from {{ ref('fct_contract') }}
),

final as (
    select
        deal_id,
        deal_type,
        customer_key,
        business_unit,
        arr
    from contracts
    where customer_key like 'deal:%'
)

select * from final
