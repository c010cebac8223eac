-- Every deal signed by the as-of date, with the first new or expansion deal up its renewal chain
-- (anchor_deal_id: itself for a new or expansion deal, or a renewal that names no deal it renews).
-- The chain is walked by pointer jumping, renewal_chain_jumps() self-joins that each double the
-- distance covered (no recursive CTE on Spark): up to renewal_chain_max_depth() renewals (63). A
-- longer chain leaves anchor_deal_id null, which int_contracts' not_null test reports.
-- A model of its own, not a CTE of int_contracts, which reads it several times: Spark plans every
-- read of a CTE anew, and the walk's joins made int_contracts the slowest model there (docs/engines.md).
with

deals as (
    select * from {{ ref('int_deals_reporting_currency') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

as_of_day as (
    select cast(as_of_at as date) as as_of_date
    from as_of
),

signed_deals as (
    select deals.*
    from deals
    cross join as_of_day
    where deals.signed_on <= as_of_day.as_of_date
),

chain_0 as (
    select
        deal_id,
        case when deal_type <> 'renewal' or renewed_from_deal_id is null then deal_id end as anchor_deal_id,
        case when deal_type = 'renewal' then renewed_from_deal_id end as jump_deal_id
    from signed_deals
),

-- Pointer jumping: after step k an unresolved deal points 2^k renewals up its chain, so step k
-- resolves every deal at most 2^k - 1 renewals from its anchor (renewal_chain_max_depth()).
{% for step in range(1, renewal_chain_jumps() + 1) %}
    chain_{{ step }} as (
        select
            walked.deal_id,
            coalesce(walked.anchor_deal_id, target.anchor_deal_id) as anchor_deal_id,
            case when walked.anchor_deal_id is null then target.jump_deal_id end as jump_deal_id
        from chain_{{ step - 1 }} as walked
        left join chain_{{ step - 1 }} as target
            on walked.jump_deal_id = target.deal_id
    ),

{% endfor %}
final as (
    select
        signed_deals.deal_id,
        signed_deals.opportunity_id,
        signed_deals.signed_on,
        signed_deals.deal_type,
        signed_deals.amount,
        signed_deals.currency,
        signed_deals.contract_start,
        signed_deals.contract_end,
        signed_deals.renewed_from_deal_id,
        signed_deals.amount_reporting,
        chain_{{ renewal_chain_jumps() }}.anchor_deal_id
    from signed_deals
    inner join chain_{{ renewal_chain_jumps() }}
        on signed_deals.deal_id = chain_{{ renewal_chain_jumps() }}.deal_id
)

select * from final
