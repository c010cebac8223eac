-- Deals: every won opportunity is a deal signed on its CloseDate (deal_id = the opportunity's Id),
-- for its Amount (0 when empty) in its currency. deal_type from seed opportunity_type_map on Type:
-- new, renewal or expansion; no Type is `new`, and so is a Type the seed does not map (a warn test
-- lists those). A renewal renews one of the same account's won deals signed before it (new, renewal
-- or expansion: an upsell's own renewal renews the upsell): in the same business unit, else in any
-- unit; of those, the one whose contract_end is nearest the renewal's start (contract_start, else
-- CloseDate), so that two contracts running side by side are each renewed by their own renewal; then
-- among deals with a contract_end, the one whose Amount is nearest the renewal's, so that a
-- co-terminous base contract and upsell are each renewed by theirs; then the latest signed (ties: the
-- later created, then the larger Id). None when the account has no earlier one.
-- contract_start / contract_end: the opportunity's contract-term custom fields (vars
-- salesforce_contract_start_field / salesforce_contract_end_field); null when the org has no such
-- field, and int_contracts then gives the contract var default_contract_months from CloseDate.
with

opportunities as (
    select * from {{ ref('stg_salesforce__crm_opportunities') }}
),

opportunity_types as (
    select * from {{ ref('opportunity_type_map') }}
),

won as (
    select
        opportunities.opportunity_id as deal_id,
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.business_unit,
        opportunities.close_date as signed_on,
        opportunities.opportunity_created_at,
        coalesce(opportunity_types.deal_type, 'new') as deal_type,
        coalesce(opportunities.amount, 0) as amount,
        opportunities.currency,
        opportunities.contract_start,
        opportunities.contract_end
    from opportunities
    left join opportunity_types
        on opportunities.opportunity_type = opportunity_types.opportunity_type
    where opportunities.is_won
),

renewed_candidates as (
    select
        renewals.deal_id,
        earlier.deal_id as renewed_from_deal_id,
        row_number() over (
            partition by renewals.deal_id
            order by
                case when renewals.business_unit = earlier.business_unit then 0 else 1 end,
                case when earlier.contract_end is null then 1 else 0 end,
                abs({{ dbt.datediff(
                    'earlier.contract_end', 'coalesce(renewals.contract_start, renewals.signed_on)', 'day'
                ) }}),
                -- only between known, equally near contract ends: without the term fields the
                -- latest signed is renewed, so a chain whose price changes stays a chain
                case when earlier.contract_end is not null then abs(renewals.amount - earlier.amount) end,
                earlier.signed_on desc, earlier.opportunity_created_at desc, earlier.deal_id desc
        ) as candidate_order
    from won as renewals
    inner join won as earlier
        on {{ salesforce_id15('renewals.account_id') }} = {{ salesforce_id15('earlier.account_id') }}
            and renewals.signed_on > earlier.signed_on
    where renewals.deal_type = 'renewal'
),

final as (
    select
        won.deal_id,
        won.opportunity_id,
        won.signed_on,
        won.deal_type,
        won.amount,
        won.currency,
        won.contract_start,
        won.contract_end,
        renewed_candidates.renewed_from_deal_id
    from won
    left join renewed_candidates
        on won.deal_id = renewed_candidates.deal_id
            and renewed_candidates.candidate_order = 1
)

select * from final
