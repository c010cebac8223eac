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
--   from the start (contract_start, else the signing date) when either date
--   is missing or the end precedes the start;
-- - ARR = amount in the reporting currency x 12 / N for a term of N whole months (whole_months), else
--   x 365 / contract days (both ends);
-- - its renewal: the earliest renewal deal renewing it, on time (signed by
--   contract_end), late (by churn_on = contract_end + var renewal_grace_days)
--   or a win-back (later: the contract churned on churn_on);
-- - arr_from / arr_until: the days its ARR is in force, [arr_from, arr_until). It stops when the
--   renewal that replaces it starts, or on its churn day. A win-back replaces nothing: it starts on
--   its contract_start, but not before the churn_on of the contract it renews;
-- - outcome at the as-of date: active, renewed, churned or due;
-- - the customer-success owner: the owner on its renewal's opportunity (not a
--   win-back's), else on its own opportunity, else on its chain's won opportunity.
-- Customer, unit and term come from int_contract_terms; the ARR, renewal, outcome and owner are
-- computed here. Longer than 150 lines on purpose: the ARR, the renewal and its timing, the
-- replacement and the outcome are one chain of steps over the same contracts.
with

contract_terms as (
    select * from {{ ref('int_contract_terms') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

as_of_day as (
    select cast(as_of_at as date) as as_of_date
    from as_of
),

valued as (
    select
        contract_terms.*,
        {{ dbt.datediff('contract_terms.contract_start', 'contract_terms.contract_end', 'day') }} + 1 as contract_days,  -- noqa: LT05
        {{ churn_on('contract_terms.contract_end') }} as churn_on,
        cast({{ dbt.dateadd('day', -1, 'contract_terms.contract_start') }} as date) as start_eve,
        cast({{ dbt.dateadd('day', 1, 'contract_terms.contract_end') }} as date) as day_after_end
    from contract_terms
),

month_counts as (
    -- Candidate month counts, between the months' first days (every engine counts calendar months
    -- the same way then), as integers (PostgreSQL's month difference is a double).
    select
        valued.*,
        cast({{ dbt.datediff(
            dbt.date_trunc('month', 'valued.contract_start'),
            dbt.date_trunc('month', 'valued.day_after_end'),
            'month'
        ) }} as {{ dbt.type_int() }}) as months_to_day_after_end,
        cast({{ dbt.datediff(
            dbt.date_trunc('month', 'valued.start_eve'),
            dbt.date_trunc('month', 'valued.contract_end'),
            'month'
        ) }} as {{ dbt.type_int() }}) as months_from_start_eve
    from valued
),

month_ends as (
    select
        month_counts.*,
        cast({{ dbt.dateadd('month', 'month_counts.months_to_day_after_end', 'month_counts.contract_start') }} as date)
            as start_plus_months,
        cast({{ dbt.dateadd('month', 'month_counts.months_from_start_eve', 'month_counts.start_eve') }} as date)
            as start_eve_plus_months
    from month_counts
),

whole_months as (
    -- N when the term is N whole months: it ends the day before contract_start + N months
    -- (2024-04-01..2025-03-31, 2024-01-31..2024-02-28), or N months after the day before its start
    -- (2024-02-29..2025-02-28, 2024-01-31..2024-02-29); else null.
    select
        month_ends.*,
        case
            when month_ends.months_to_day_after_end >= 1 and month_ends.start_plus_months = month_ends.day_after_end
                then month_ends.months_to_day_after_end
            when month_ends.months_from_start_eve >= 1 and month_ends.start_eve_plus_months = month_ends.contract_end
                then month_ends.months_from_start_eve
        end as term_months
    from month_ends
),

annualised as (
    select
        whole_months.*,
        cast(
            round(
                case
                    when whole_months.term_months is not null
                        then cast(whole_months.amount_reporting * 12 as decimal(38, 6)) / whole_months.term_months
                    else cast(whole_months.amount_reporting * 365 as decimal(38, 6)) / whole_months.contract_days
                end,
                2
            )
            as {{ type_money() }}
        ) as arr
    from whole_months
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

timed as (
    select
        annualised.*,
        renewals.renewal_deal_id as renewed_by_deal_id,
        renewals.renewal_signed_on,
        renewals.renewal_contract_start,
        case
            when renewals.renewal_signed_on <= annualised.contract_end then 'on_time'
            when renewals.renewal_signed_on <= annualised.churn_on then 'late'
            when renewals.renewal_signed_on is not null then 'win_back'
        end as renewal_timing,
        -- The renewal's owner owns a renewed contract; a win-back's owner did not own the churn.
        coalesce(
            case when renewals.renewal_signed_on <= annualised.churn_on then renewals.renewal_owner_id end,
            own_opportunities.owner_id,
            annualised.anchor_owner_id
        ) as cs_owner_id
    from annualised
    left join renewals
        on annualised.deal_id = renewals.renewed_deal_id
    left join opportunities as own_opportunities
        on annualised.opportunity_id = own_opportunities.opportunity_id
),

win_backs as (
    -- A renewal signed after its contract churned, with that contract's churn day.
    select
        renewed_by_deal_id as deal_id,
        churn_on as renewed_churn_on
    from timed
    where renewal_timing = 'win_back'
),

with_renewal as (
    select
        timed.*,
        -- Where the contract's ARR starts unless it replaces one: a win-back not before the churn of
        -- the contract it renews.
        case
            when win_backs.renewed_churn_on > timed.contract_start then win_backs.renewed_churn_on
            else timed.contract_start
        end as own_arr_from
    from timed
    left join win_backs
        on timed.deal_id = win_backs.deal_id
),

replacing as (
    -- A renewal that starts before the contract it replaces replaces it on that contract's first day.
    select
        renewed_by_deal_id as deal_id,
        deal_id as replaces_deal_id,
        case
            when renewal_contract_start < own_arr_from then own_arr_from
            else renewal_contract_start
        end as replaced_on
    from with_renewal
    where renewal_timing in ('on_time', 'late')
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
        coalesce(replacing.replaced_on, with_renewal.own_arr_from) as arr_from,
        case
            when with_renewal.renewal_timing in ('on_time', 'late') then renewed_by.replaced_on
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
    left join replacing as renewed_by
        on with_renewal.deal_id = renewed_by.replaces_deal_id
    left join customer_channels
        on with_renewal.customer_key = customer_channels.customer_key
            and with_renewal.business_unit = customer_channels.business_unit
            and customer_channels.deal_rank = 1
)

select * from final
