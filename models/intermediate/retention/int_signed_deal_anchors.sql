-- Every deal signed by the as-of date, with the first new or expansion deal up its renewal chain
-- (anchor_deal_id: itself for a new or expansion deal, or a renewal that names no deal it renews).
-- The chain is walked with renewal_chain_max_depth() joins (no recursive CTE on Spark); a longer
-- chain leaves anchor_deal_id null, which int_contracts' not_null test reports.
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
        case when deal_type = 'renewal' then renewed_from_deal_id end as next_deal_id
    from signed_deals
),

{% for step in range(1, renewal_chain_max_depth() + 1) %}
    chain_{{ step }} as (
        select
            walked.deal_id,
            coalesce(
                walked.anchor_deal_id,
                case
                    when parent.deal_type <> 'renewal' or parent.renewed_from_deal_id is null
                        then parent.deal_id
                end
            ) as anchor_deal_id,
            case
                when walked.anchor_deal_id is null and parent.deal_type = 'renewal'
                    then parent.renewed_from_deal_id
            end as next_deal_id
        from chain_{{ step - 1 }} as walked
        left join signed_deals as parent
            on walked.next_deal_id = parent.deal_id
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
        chain_{{ renewal_chain_max_depth() }}.anchor_deal_id
    from signed_deals
    inner join chain_{{ renewal_chain_max_depth() }}
        on signed_deals.deal_id = chain_{{ renewal_chain_max_depth() }}.deal_id
)

select * from final
