-- One row per company x business unit that has touched the company: the
-- unit's leads active within var('conflict_window_days') before the as-of
-- instant (its last event in the window), its opportunities open at
-- the as-of instant (counted in the opportunity's own unit), its won deals
-- (int_lead_won_deals signed by then) and the owners involved. A unit is engaged when
-- it has an active lead or an open opportunity and is a unit: var default_business_unit
-- (`unassigned`, records whose unit is unknown) is never engaged, so it makes no conflict.
-- Longer than 150 lines on purpose: active leads, open opportunities, wins and
-- owners are four views of one company x unit at one as-of instant, joined into
-- one row; split apart, each would repeat the conflict window and the company key.
with

lead_companies as (
    select * from {{ ref('int_account_lead_companies') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

status_changes as (
    select * from {{ ref('stg_crm__lead_status_changes') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

lead_won_deals as (
    select * from {{ ref('int_lead_won_deals') }}
),

conflict_window as (
    select
        as_of_at,
        {{ dbt.dateadd('day', -1 * var('conflict_window_days'), 'as_of_at') }} as window_start_at
    from as_of
),

active_leads as (
    select
        lead_companies.company_key,
        lead_companies.business_unit,
        lead_companies.lead_id
    from lead_companies
    cross join conflict_window
    where lead_companies.last_event_at >= conflict_window.window_start_at
),

company_opportunities as (
    select
        lead_companies.company_key,
        opportunities.business_unit,
        opportunities.opportunity_id,
        opportunities.owner_id,
        opportunities.opportunity_created_at,
        opportunities.closed_at
    from opportunities
    inner join lead_companies
        on opportunities.lead_id = lead_companies.lead_id
),

open_opportunities as (
    select company_opportunities.*
    from company_opportunities
    cross join conflict_window
    where company_opportunities.opportunity_created_at <= conflict_window.as_of_at
        and (
            company_opportunities.closed_at is null
            or company_opportunities.closed_at > conflict_window.as_of_at
        )
),

won_deals as (
    select
        company_opportunities.company_key,
        company_opportunities.business_unit,
        lead_won_deals.deal_id
    from lead_won_deals
    inner join company_opportunities
        on lead_won_deals.opportunity_id = company_opportunities.opportunity_id
    cross join conflict_window
    where lead_won_deals.signed_at <= conflict_window.as_of_at
),

unit_owners as (
    select distinct
        active_leads.company_key,
        active_leads.business_unit,
        status_changes.owner_id
    from status_changes
    inner join active_leads
        on status_changes.lead_id = active_leads.lead_id
    cross join conflict_window
    where status_changes.owner_id is not null
        and status_changes.changed_at <= conflict_window.as_of_at
    union
    select
        company_key,
        business_unit,
        owner_id
    from open_opportunities
    where owner_id is not null
),

lead_counts as (
    select
        company_key,
        business_unit,
        count(*) as active_leads
    from active_leads
    group by company_key, business_unit
),

open_counts as (
    select
        company_key,
        business_unit,
        count(*) as open_opportunities
    from open_opportunities
    group by company_key, business_unit
),

won_counts as (
    select
        company_key,
        business_unit,
        count(*) as won_deals
    from won_deals
    group by company_key, business_unit
),

owner_lists as (
    select
        company_key,
        business_unit,
        {{ sorted_listagg('owner_id', 'owner_id', "', '") }} as owner_ids
    from unit_owners
    group by company_key, business_unit
),

units as (
    select
        company_key,
        business_unit
    from lead_counts
    union
    select
        company_key,
        business_unit
    from open_counts
    union
    select
        company_key,
        business_unit
    from won_counts
),

-- The units that won the company: var default_business_unit is no unit, so a deal won without a
-- unit is no other unit's win either.
company_won_units as (
    select
        company_key,
        count(*) as won_unit_count
    from won_counts
    where business_unit != '{{ var("default_business_unit") }}'
    group by company_key
),

final as (
    select
        units.company_key,
        units.business_unit,
        coalesce(lead_counts.active_leads, 0) as active_leads,
        coalesce(open_counts.open_opportunities, 0) as open_opportunities,
        coalesce(won_counts.won_deals, 0) as won_deals,
        owner_lists.owner_ids,
        (coalesce(lead_counts.active_leads, 0) > 0 or coalesce(open_counts.open_opportunities, 0) > 0)
        and units.business_unit != '{{ var("default_business_unit") }}' as is_engaged,
        (
            coalesce(company_won_units.won_unit_count, 0)
            - case when won_counts.won_deals > 0 then 1 else 0 end
        ) > 0 as has_won_deal_in_other_unit
    from units
    left join lead_counts
        on units.company_key = lead_counts.company_key
            and units.business_unit = lead_counts.business_unit
    left join open_counts
        on units.company_key = open_counts.company_key
            and units.business_unit = open_counts.business_unit
    left join won_counts
        on units.company_key = won_counts.company_key
            and units.business_unit = won_counts.business_unit
    left join owner_lists
        on units.company_key = owner_lists.company_key
            and units.business_unit = owner_lists.business_unit
    left join company_won_units
        on units.company_key = company_won_units.company_key
)

select * from final
