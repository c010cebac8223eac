-- Every change of ARR in force, by day, up to the as-of date (docs/retention.md):
-- - a contract that starts without replacing one adds its ARR: `new` when it
--   starts its customer's spell (the first, or the first after a churn: a
--   win-back, is_win_back, also on the very day of the churn; the one
--   definition fct_contract.is_win_back reads), else `expansion`;
-- - a renewal replacing its contract on its start day changes ARR by the
--   difference: `expansion` when above the renewed contract's ARR,
--   `contraction` when below (nothing when equal);
-- - a churned contract removes its ARR on its churn day: `churn`.
-- arr_change is signed; arr_amount is its size. deal_id is the contract the
-- movement belongs to (for a renewal's difference and a churn: the renewed or
-- churned contract), spell_number the customer spell it happened in.
with

contracts as (
    select * from {{ ref('int_contracts') }}
),

spells as (
    select * from {{ ref('int_customer_spells') }}
),

added as (
    select
        contracts.deal_id,
        contracts.deal_id as moving_deal_id,
        contracts.customer_key,
        contracts.business_unit,
        contracts.arr_from as movement_on,
        contracts.arr_from as spell_day,
        case when spells.spell_start is not null then 'new' else 'expansion' end as movement,
        contracts.arr as arr_change
    from contracts
    left join spells
        on contracts.customer_key = spells.customer_key
            and contracts.business_unit = spells.business_unit
            and contracts.arr_from = spells.spell_start
    where contracts.replaces_deal_id is null
        and contracts.arr_from <= contracts.as_of_date
),

replaced as (
    select
        renewed.deal_id,
        renewals.deal_id as moving_deal_id,
        renewals.customer_key,
        renewals.business_unit,
        renewals.arr_from as movement_on,
        renewals.arr_from as spell_day,
        case when renewals.arr > renewed.arr then 'expansion' else 'contraction' end as movement,
        renewals.arr - renewed.arr as arr_change
    from contracts as renewals
    inner join contracts as renewed
        on renewals.replaces_deal_id = renewed.deal_id
    where renewals.arr_from <= renewals.as_of_date
        and renewals.arr <> renewed.arr
),

churned as (
    select
        deal_id,
        deal_id as moving_deal_id,
        customer_key,
        business_unit,
        arr_until as movement_on,
        arr_from as spell_day,
        'churn' as movement,
        -1 * arr as arr_change
    from contracts
    where outcome = 'churned'
        and arr_from < arr_until
),

movements as (
    select * from added
    union all
    select * from replaced
    union all
    select * from churned
),

final as (
    select
        movements.movement_on,
        movements.business_unit,
        movements.customer_key,
        spells.spell_number,
        movements.deal_id,
        movements.moving_deal_id,
        movements.movement,
        coalesce(spells.spell_number > 1, false) and movements.movement = 'new' as is_win_back,
        cast(movements.arr_change as {{ type_money() }}) as arr_change,
        cast(
            case when movements.arr_change < 0 then -1 * movements.arr_change else movements.arr_change end
            as {{ type_money() }}
        ) as arr_amount
    from movements
    left join spells
        on movements.customer_key = spells.customer_key
            and movements.business_unit = spells.business_unit
            and movements.spell_day >= spells.spell_start
            and (spells.spell_end is null or movements.spell_day < spells.spell_end)
)

select * from final
