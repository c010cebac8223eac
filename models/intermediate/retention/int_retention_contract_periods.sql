-- One row per fiscal year or half x contract that counts for retention in it
-- (docs/retention.md): the cohort is every customer spell in force at the end
-- of the day before the period starts. A contract in force then carries its
-- starting ARR, and whether its spell is still in force at the end of the
-- period (measured_to); the expansion, contraction and churn of cohort spells
-- within the period sit on the contract they belong to (int_arr_movements);
-- a contract whose contract_end falls in the period carries its outcome at the
-- as-of date. Later spells of the same customer (win-backs) are not cohort
-- movements. Per customer and period, what the cohort lost counts at most its
-- starting ARR: ARR added in the period and lost again in it (excess = churn +
-- contraction - starting, when positive) is taken out of both its losses (first
-- from contracts with the least starting ARR, i.e. those added in the period)
-- and its expansion (first from the renewal chains, then the contracts, with
-- the largest losses), so GRR stays within [0, 1] and NRR is unchanged. retention_aggregates() sums these rows.
-- Longer than 150 lines on purpose: the cohort, its renewals and its movements share one period grid
-- and one set of joins; split, each part would repeat them.
{#- One customer in one period: the partition of the cap on its losses. #}
{%- set customer_period = ['period_grain', 'period_start', 'customer_key', 'business_unit'] %}
with

periods as (
    select * from {{ ref('int_fiscal_periods') }}
    where period_grain in ('year', 'half')
),

contracts as (
    select * from {{ ref('int_contracts') }}
),

movements as (
    select * from {{ ref('int_arr_movements') }}
),

spells as (
    select * from {{ ref('int_customer_spells') }}
),

cohort_spells as (
    select
        periods.period_grain,
        periods.period_start,
        spells.customer_key,
        spells.business_unit,
        spells.spell_number,
        spells.spell_start,
        spells.spell_end is null or spells.spell_end > periods.measured_to as is_retained
    from periods
    inner join spells
        on periods.period_start > spells.spell_start
            and (spells.spell_end is null or periods.period_start <= spells.spell_end)
),

starting as (
    select
        periods.period_grain,
        periods.period_start,
        contracts.deal_id,
        contracts.arr as starting_arr,
        cast(0 as {{ type_money() }}) as expansion_arr,
        cast(0 as {{ type_money() }}) as contraction_arr,
        cast(0 as {{ type_money() }}) as churned_arr,
        1 as is_cohort,
        case when cohort_spells.is_retained then 1 else 0 end as is_retained,
        0 as is_ending
    from periods
    inner join contracts
        on periods.period_start > contracts.arr_from
            and (contracts.arr_until is null or periods.period_start <= contracts.arr_until)
    inner join cohort_spells
        on periods.period_grain = cohort_spells.period_grain
            and periods.period_start = cohort_spells.period_start
            and contracts.customer_key = cohort_spells.customer_key
            and contracts.business_unit = cohort_spells.business_unit
            and contracts.arr_from >= cohort_spells.spell_start
),

moved as (
    select
        periods.period_grain,
        periods.period_start,
        movements.deal_id,
        cast(0 as {{ type_money() }}) as starting_arr,
        case when movements.movement = 'expansion' then movements.arr_amount else 0 end as expansion_arr,
        case when movements.movement = 'contraction' then movements.arr_amount else 0 end as contraction_arr,
        case when movements.movement = 'churn' then movements.arr_amount else 0 end as churned_arr,
        0 as is_cohort,
        0 as is_retained,
        0 as is_ending
    from periods
    inner join movements
        on periods.period_start <= movements.movement_on
            and periods.measured_to >= movements.movement_on
    inner join cohort_spells
        on periods.period_grain = cohort_spells.period_grain
            and periods.period_start = cohort_spells.period_start
            and movements.customer_key = cohort_spells.customer_key
            and movements.business_unit = cohort_spells.business_unit
            and movements.spell_number = cohort_spells.spell_number
    where movements.movement in ('expansion', 'contraction', 'churn')
),

ending as (
    select
        periods.period_grain,
        periods.period_start,
        contracts.deal_id,
        cast(0 as {{ type_money() }}) as starting_arr,
        cast(0 as {{ type_money() }}) as expansion_arr,
        cast(0 as {{ type_money() }}) as contraction_arr,
        cast(0 as {{ type_money() }}) as churned_arr,
        0 as is_cohort,
        0 as is_retained,
        1 as is_ending
    from periods
    inner join contracts
        on periods.period_start <= contracts.contract_end
            and periods.period_end >= contracts.contract_end
),

facts as (
    select * from starting
    union all
    select * from moved
    union all
    select * from ending
),

by_contract as (
    select
        period_grain,
        period_start,
        deal_id,
        sum(starting_arr) as starting_arr,
        sum(expansion_arr) as expansion_arr,
        sum(contraction_arr) as contraction_arr,
        sum(churned_arr) as churned_arr,
        max(is_cohort) as is_cohort,
        max(is_retained) as is_retained,
        max(is_ending) as is_ending
    from facts
    group by period_grain, period_start, deal_id
),

contract_customers as (
    select
        by_contract.*,
        contracts.customer_key,
        contracts.business_unit,
        contracts.anchor_deal_id,
        by_contract.contraction_arr + by_contract.churned_arr as lost_arr
    from by_contract
    inner join contracts
        on by_contract.deal_id = contracts.deal_id
),

chain_losses as (
    -- What each renewal chain (anchor_deal_id) of the customer lost in the period: the expansion
    -- cut comes first from the chains that lost, so ARR a chain added and lost stays with that
    -- chain (and its owner), not with another contract of the customer.
    select
        contract_customers.*,
        sum(contract_customers.lost_arr) over (
            partition by
                contract_customers.{{ customer_period | join(', contract_customers.') }},
                contract_customers.anchor_deal_id
        ) as chain_lost_arr
    from contract_customers
),

customer_losses as (
    select
        chain_losses.*,
        sum(chain_losses.starting_arr) over (
            partition by chain_losses.{{ customer_period | join(', chain_losses.') }}
        ) as customer_starting_arr,
        sum(chain_losses.lost_arr) over (
            partition by chain_losses.{{ customer_period | join(', chain_losses.') }}
        ) as customer_lost_arr,
        coalesce(sum(chain_losses.lost_arr) over (
            partition by chain_losses.{{ customer_period | join(', chain_losses.') }}
            order by chain_losses.starting_arr, chain_losses.deal_id
            rows between unbounded preceding and 1 preceding
        ), 0) as lost_before,
        coalesce(sum(chain_losses.expansion_arr) over (
            partition by chain_losses.{{ customer_period | join(', chain_losses.') }}
            order by
                chain_losses.chain_lost_arr desc, chain_losses.lost_arr desc,
                chain_losses.deal_id asc
            rows between unbounded preceding and 1 preceding
        ), 0) as expansion_before
    from chain_losses
),

excess as (
    select
        customer_losses.*,
        case
            when customer_losses.customer_lost_arr > customer_losses.customer_starting_arr
                then customer_losses.customer_lost_arr - customer_losses.customer_starting_arr
            else 0
        end as excess_arr
    from customer_losses
),

cuts as (
    -- This contract's share of the customer's excess: what is left of it after the contracts before.
    select
        excess.*,
        case
            when excess.excess_arr <= excess.lost_before then 0
            when excess.excess_arr - excess.lost_before >= excess.lost_arr then excess.lost_arr
            else excess.excess_arr - excess.lost_before
        end as lost_cut,
        case
            when excess.excess_arr <= excess.expansion_before then 0
            when excess.excess_arr - excess.expansion_before >= excess.expansion_arr then excess.expansion_arr
            else excess.excess_arr - excess.expansion_before
        end as expansion_cut
    from excess
),

capped as (
    -- The cut comes off the churn first, then off the contraction.
    select
        cuts.period_grain,
        cuts.period_start,
        cuts.deal_id,
        cuts.starting_arr,
        cuts.expansion_arr - cuts.expansion_cut as expansion_arr,
        case
            when cuts.lost_cut > cuts.churned_arr then cuts.contraction_arr - (cuts.lost_cut - cuts.churned_arr)
            else cuts.contraction_arr
        end as contraction_arr,
        case
            when cuts.lost_cut > cuts.churned_arr then 0
            else cuts.churned_arr - cuts.lost_cut
        end as churned_arr,
        cuts.is_cohort,
        cuts.is_retained,
        cuts.is_ending
    from cuts
),

final as (
    select
        periods.period_grain,
        periods.period_label,
        periods.fiscal_year,
        periods.fiscal_half,
        periods.period_start,
        periods.period_end,
        periods.is_complete,
        contracts.business_unit,
        contracts.customer_key,
        contracts.cs_owner_id,
        contracts.source_channel,
        capped.deal_id,
        cast(capped.starting_arr as {{ type_money() }}) as starting_arr,
        cast(capped.expansion_arr as {{ type_money() }}) as expansion_arr,
        cast(capped.contraction_arr as {{ type_money() }}) as contraction_arr,
        cast(capped.churned_arr as {{ type_money() }}) as churned_arr,
        capped.is_cohort = 1 as is_cohort_customer,
        capped.is_retained = 1 as is_retained_customer,
        capped.is_ending = 1 as is_ending,
        case when capped.is_ending = 1 then contracts.outcome end as outcome_in_period,
        contracts.renewal_timing = 'on_time' as is_renewed_on_time
    from capped
    inner join periods
        on capped.period_grain = periods.period_grain
            and capped.period_start = periods.period_start
    inner join contracts
        on capped.deal_id = contracts.deal_id
)

select * from final
