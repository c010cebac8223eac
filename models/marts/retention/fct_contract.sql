-- One row per contract (every deal signed by the as-of date): its customer,
-- term, ARR, renewal and outcome at the as-of date. The rules are in
-- int_contracts (docs/retention.md); is_win_back is the contract's `new`
-- movement's flag in int_arr_movements (it starts a customer spell after the
-- first), false for a contract that has not started by the as-of date.
with

contracts as (
    select * from {{ ref('int_contracts') }}
),

movements as (
    select * from {{ ref('int_arr_movements') }}
),

win_backs as (
    select distinct moving_deal_id as deal_id
    from movements
    where movement = 'new'
        and is_win_back
),

final as (
    select
        contracts.deal_id,
        contracts.customer_key,
        contracts.company_key,
        contracts.business_unit,
        contracts.deal_type,
        contracts.renewed_from_deal_id,
        contracts.signed_on,
        contracts.contract_start,
        contracts.contract_end,
        cast(contracts.contract_days as integer) as contract_days,
        contracts.is_term_defaulted,
        contracts.currency,
        cast(contracts.amount_reporting as {{ type_money() }}) as contract_amount,
        contracts.arr,
        contracts.renewed_by_deal_id,
        contracts.renewal_signed_on,
        contracts.renewal_timing,
        win_backs.deal_id is not null as is_win_back,
        contracts.churn_on,
        contracts.arr_from,
        contracts.arr_until,
        contracts.outcome,
        contracts.cs_owner_id,
        contracts.source_channel
    from contracts
    left join win_backs
        on contracts.deal_id = win_backs.deal_id
)

select * from final
