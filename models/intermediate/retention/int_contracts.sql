-- One row per contract (every deal signed by the as-of date) with what the
-- revenue marts need (docs/retention.md):
-- - the customer: the company key of the lead on the contract's opportunity
--   (int_account_lead_companies, as for business-unit conflicts; `lead:<id>`
--   when the lead names no company) within the opportunity's business unit.
--   An opportunity without a person (lead_origin `account`: an expansion or
--   cross-sell opened on a CRM account) takes the customer of its account's
--   person-linked opportunities (the won ones first, then the earliest), else
--   `account:<id>`; without an account either, `opportunity:<id>`. A renewal
--   takes them from the contract it renews, up its renewal chain to the first
--   new or expansion deal;
-- - the term: contract_start / contract_end, or var default_contract_months
--   from the signing date when a date is missing (or the end precedes the start);
-- - ARR = amount in the reporting currency x 365 / contract days (both ends);
-- - its renewal: the earliest renewal deal renewing it, on time (signed by
--   contract_end), late (by churn_on = contract_end + var renewal_grace_days)
--   or a win-back (later: the contract churned on churn_on);
-- - arr_from / arr_until: the days its ARR is in force, [arr_from, arr_until).
--   It stops when the renewal that replaces it starts, or on its churn day;
-- - outcome at the as-of date: active, renewed, churned or due;
-- - the customer-success owner: the owner on its renewal's opportunity, else
--   on its own opportunity, else on its chain's won opportunity.
-- Longer than 150 lines on purpose: the renewal chain is walked with a fixed number of joins (no
-- recursive CTE on Spark), and the term, ARR, renewal timing and outcome each need the chain.
with

deals as (
    select * from {{ ref('int_deals_reporting_currency') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

lead_companies as (
    select * from {{ ref('int_account_lead_companies') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

opportunity_customers as (
    -- The customer of each opportunity with a person: its lead's company key,
    -- else `lead:<id>`.
    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.is_won,
        opportunities.opportunity_created_at,
        lead_companies.company_key,
        coalesce(
            lead_companies.company_key,
            {{ dbt.concat(["'lead:'", 'opportunities.lead_id']) }}
        ) as customer_key
    from opportunities
    left join lead_companies
        on opportunities.lead_id = lead_companies.lead_id
    where opportunities.lead_id is not null
),

account_customers as (
    -- The customer an account's person-linked opportunities belong to (won
    -- ones first, then the earliest), for its opportunities without a person.
    -- The CSV contract has no accounts: none.
    select
        account_id,
        company_key,
        customer_key,
        row_number() over (
            partition by account_id
            order by
                case when is_won then 0 else 1 end,
                opportunity_created_at,
                opportunity_id
        ) as account_rank
    from opportunity_customers
    where account_id is not null
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

anchored as (
    select
        signed_deals.*,
        chain_{{ renewal_chain_max_depth() }}.anchor_deal_id
    from signed_deals
    inner join chain_{{ renewal_chain_max_depth() }}
        on signed_deals.deal_id = chain_{{ renewal_chain_max_depth() }}.deal_id
),

anchor_attributes as (
    select
        anchored.deal_id,
        anchored.anchor_deal_id,
        coalesce(opportunities.business_unit, 'unknown') as business_unit,
        opportunities.owner_id as anchor_owner_id,
        opportunities.lead_id,
        coalesce(
            opportunity_customers.customer_key,
            account_customers.customer_key,
            {{ dbt.concat(["'account:'", 'opportunities.account_id']) }},
            {{ dbt.concat(["'opportunity:'", 'anchor.opportunity_id']) }},
            {{ dbt.concat(["'deal:'", 'anchored.anchor_deal_id']) }}
        ) as customer_key,
        coalesce(opportunity_customers.company_key, account_customers.company_key) as company_key,
        campaigns.channel as lead_source_channel
    from anchored
    left join signed_deals as anchor
        on anchored.anchor_deal_id = anchor.deal_id
    left join opportunities
        on anchor.opportunity_id = opportunities.opportunity_id
    left join opportunity_customers
        on opportunities.opportunity_id = opportunity_customers.opportunity_id
    left join account_customers
        on opportunities.lead_id is null
            and opportunities.account_id = account_customers.account_id
            and account_customers.account_rank = 1
    left join leads
        on opportunities.lead_id = leads.lead_id
    left join campaigns
        on leads.source_campaign_id = campaigns.campaign_id
),

terms as (
    select
        anchored.deal_id,
        coalesce(anchored.contract_start, anchored.signed_on) as contract_start,
        anchored.contract_start is null
        or anchored.contract_end is null
        or anchored.contract_end < coalesce(anchored.contract_start, anchored.signed_on) as is_term_defaulted
    from anchored
),

bounded as (
    select
        anchored.deal_id,
        anchored.opportunity_id,
        anchored.deal_type,
        anchored.signed_on,
        anchored.renewed_from_deal_id,
        anchored.currency,
        anchored.amount,
        anchored.amount_reporting,
        anchored.anchor_deal_id,
        anchor_attributes.business_unit,
        anchor_attributes.anchor_owner_id,
        anchor_attributes.customer_key,
        anchor_attributes.company_key,
        anchor_attributes.lead_source_channel,
        terms.contract_start,
        case
            when terms.is_term_defaulted
                then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', var('default_contract_months'),
                    'terms.contract_start')) }} as date)
            else anchored.contract_end
        end as contract_end,
        terms.is_term_defaulted
    from anchored
    inner join anchor_attributes
        on anchored.deal_id = anchor_attributes.deal_id
    inner join terms
        on anchored.deal_id = terms.deal_id
),

valued as (
    select
        bounded.*,
        {{ dbt.datediff('bounded.contract_start', 'bounded.contract_end', 'day') }} + 1 as contract_days,  -- noqa: LT05
        cast({{ dbt.dateadd('day', var('renewal_grace_days'), 'bounded.contract_end') }} as date) as churn_on
    from bounded
),

annualised as (
    select
        valued.*,
        cast(
            round(cast(valued.amount_reporting * 365 as decimal(38, 6)) / valued.contract_days, 2)
            as {{ type_money() }}
        ) as arr
    from valued
),

renewal_candidates as (
    select
        renewed_from_deal_id as renewed_deal_id,
        deal_id as renewal_deal_id,
        signed_on as renewal_signed_on,
        opportunity_id as renewal_opportunity_id,
        contract_start as renewal_contract_start,
        row_number() over (partition by renewed_from_deal_id order by signed_on, deal_id) as renewal_rank
    from annualised
    where deal_type = 'renewal'
        and renewed_from_deal_id is not null
),

renewals as (
    select
        renewal_candidates.renewed_deal_id,
        renewal_candidates.renewal_deal_id,
        renewal_candidates.renewal_signed_on,
        renewal_candidates.renewal_contract_start,
        opportunities.owner_id as renewal_owner_id
    from renewal_candidates
    left join opportunities
        on renewal_candidates.renewal_opportunity_id = opportunities.opportunity_id
    where renewal_candidates.renewal_rank = 1
),

with_renewal as (
    select
        annualised.*,
        renewals.renewal_deal_id as renewed_by_deal_id,
        renewals.renewal_signed_on,
        case
            when renewals.renewal_signed_on <= annualised.contract_end then 'on_time'
            when renewals.renewal_signed_on <= annualised.churn_on then 'late'
            when renewals.renewal_signed_on is not null then 'win_back'
        end as renewal_timing,
        -- A renewal that starts before the contract it replaces replaces it on its first day.
        case
            when renewals.renewal_contract_start < annualised.contract_start then annualised.contract_start
            else renewals.renewal_contract_start
        end as replaced_on,
        coalesce(renewals.renewal_owner_id, own_opportunities.owner_id, annualised.anchor_owner_id) as cs_owner_id
    from annualised
    left join renewals
        on annualised.deal_id = renewals.renewed_deal_id
    left join opportunities as own_opportunities
        on annualised.opportunity_id = own_opportunities.opportunity_id
),

replacing as (
    select
        renewed_by_deal_id as deal_id,
        deal_id as replaces_deal_id,
        replaced_on
    from with_renewal
    where renewal_timing in ('on_time', 'late')
),

win_backs as (
    select renewed_by_deal_id as deal_id
    from with_renewal
    where renewal_timing = 'win_back'
),

customer_channels as (
    select
        customer_key,
        business_unit,
        lead_source_channel,
        row_number() over (
            partition by customer_key, business_unit
            order by case when deal_type = 'new' then 0 else 1 end, contract_start, signed_on, deal_id
        ) as deal_rank
    from with_renewal
),

final as (
    select
        with_renewal.deal_id,
        with_renewal.customer_key,
        with_renewal.company_key,
        with_renewal.business_unit,
        with_renewal.deal_type,
        with_renewal.opportunity_id,
        with_renewal.anchor_deal_id,
        with_renewal.renewed_from_deal_id,
        with_renewal.signed_on,
        with_renewal.contract_start,
        with_renewal.contract_end,
        with_renewal.contract_days,
        with_renewal.is_term_defaulted,
        with_renewal.currency,
        with_renewal.amount,
        with_renewal.amount_reporting,
        with_renewal.arr,
        with_renewal.renewed_by_deal_id,
        with_renewal.renewal_signed_on,
        with_renewal.renewal_timing,
        with_renewal.churn_on,
        replacing.replaces_deal_id,
        win_backs.deal_id is not null as is_win_back,
        coalesce(replacing.replaced_on, with_renewal.contract_start) as arr_from,
        case
            when with_renewal.renewal_timing in ('on_time', 'late') then with_renewal.replaced_on
            when with_renewal.churn_on <= as_of_day.as_of_date then with_renewal.churn_on
        end as arr_until,
        case
            when with_renewal.renewal_timing in ('on_time', 'late') then 'renewed'
            when with_renewal.churn_on <= as_of_day.as_of_date then 'churned'
            when with_renewal.contract_end < as_of_day.as_of_date then 'due'
            else 'active'
        end as outcome,
        with_renewal.cs_owner_id,
        coalesce(customer_channels.lead_source_channel, 'unknown') as source_channel,
        as_of_day.as_of_date
    from with_renewal
    cross join as_of_day
    left join replacing
        on with_renewal.deal_id = replacing.deal_id
    left join win_backs
        on with_renewal.deal_id = win_backs.deal_id
    left join customer_channels
        on with_renewal.customer_key = customer_channels.customer_key
            and with_renewal.business_unit = customer_channels.business_unit
            and customer_channels.deal_rank = 1
)

select * from final
