-- One row per contract (every deal signed by the as-of date): its customer,
-- term, ARR, renewal and outcome at the as-of date. The rules are in
-- int_contracts (docs/retention.md).
with

contracts as (
    select * from {{ ref('int_contracts') }}
),

final as (
    select
        deal_id,
        customer_key,
        company_key,
        business_unit,
        deal_type,
        renewed_from_deal_id,
        signed_on,
        contract_start,
        contract_end,
        cast(contract_days as integer) as contract_days,
        is_term_defaulted,
        currency,
        cast(amount_reporting as {{ type_money() }}) as contract_amount,
        arr,
        renewed_by_deal_id,
        renewal_signed_on,
        renewal_timing,
        is_win_back,
        churn_on,
        arr_from,
        arr_until,
        outcome,
        cs_owner_id,
        source_channel
    from contracts
)

select * from final
