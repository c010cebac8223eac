-- Companies that two or more business units are chasing at once: one row per
-- company (normalised domain, or normalised Japanese company name where no
-- domain) with active leads (an event within var('conflict_window_days')
-- before the as-of instant) or open opportunities in at least two units.
-- Engaged units are int_account_business_units.is_engaged: var
-- default_business_unit (a record whose unit is unknown) is never one.
with

business_units as (
    select * from {{ ref('int_account_business_units') }}
),

lead_companies as (
    select * from {{ ref('int_account_lead_companies') }}
),

engaged_units as (
    select * from business_units
    where is_engaged
),

conflicted_companies as (
    select company_key
    from engaged_units
    group by company_key
    having count(*) >= 2
),

conflict_units as (
    select
        engaged_units.company_key,
        engaged_units.business_unit,
        engaged_units.active_leads,
        engaged_units.open_opportunities,
        engaged_units.owner_ids,
        engaged_units.has_won_deal_in_other_unit,
        {{ dbt.concat([
            'engaged_units.business_unit', "': '", 'cast(engaged_units.active_leads as ' ~ dbt.type_string() ~ ')'
        ]) }} as unit_leads,
        {{ dbt.concat([
            'engaged_units.business_unit', "': '",
            'cast(engaged_units.open_opportunities as ' ~ dbt.type_string() ~ ')'
        ]) }} as unit_open_opportunities,
        case
            when engaged_units.owner_ids is not null
                then {{ dbt.concat(['engaged_units.business_unit', "': '", 'engaged_units.owner_ids']) }}
        end as unit_owners
    from engaged_units
    inner join conflicted_companies
        on engaged_units.company_key = conflicted_companies.company_key
),

unit_summaries as (
    select
        company_key,
        count(*) as business_unit_count,
        {{ sorted_listagg('business_unit', 'business_unit', "', '") }} as business_units,
        {{ sorted_listagg('unit_leads', 'business_unit', "', '") }} as leads_by_unit,
        {{ sorted_listagg('unit_open_opportunities', 'business_unit', "', '") }}
            as open_opportunities_by_unit,
        {{ sorted_listagg('unit_owners', 'business_unit', "'; '") }} as owners_by_unit,
        sum(active_leads) as active_leads,
        sum(open_opportunities) as open_opportunities,
        max(case when has_won_deal_in_other_unit then 1 else 0 end) as has_won_deal_in_other_unit
    from conflict_units
    group by company_key
),

won_units as (
    select
        business_units.company_key,
        {{ sorted_listagg('business_units.business_unit', 'business_units.business_unit', "', '") }}
            as won_business_units
    from business_units
    inner join conflicted_companies
        on business_units.company_key = conflicted_companies.company_key
    where business_units.won_deals > 0
        and business_units.business_unit != '{{ var("default_business_unit") }}'
    group by business_units.company_key
),

company_details as (
    select
        lead_companies.company_key,
        max(case when lead_companies.matched_by = 'name' then 0 else 1 end) as is_domain_key,
        min(lead_companies.company_name) as company_name,
        min(lead_companies.first_event_at) as first_activity_at,
        max(lead_companies.last_event_at) as last_activity_at
    from lead_companies
    inner join conflicted_companies
        on lead_companies.company_key = conflicted_companies.company_key
    group by lead_companies.company_key
),

final as (
    select
        unit_summaries.company_key,
        case when company_details.is_domain_key = 1 then 'domain' else 'name' end as company_key_type,
        company_details.company_name,
        cast(unit_summaries.business_unit_count as {{ dbt.type_bigint() }}) as business_unit_count,
        unit_summaries.business_units,
        unit_summaries.leads_by_unit,
        unit_summaries.open_opportunities_by_unit,
        unit_summaries.owners_by_unit,
        cast(unit_summaries.active_leads as {{ dbt.type_bigint() }}) as active_leads,
        cast(unit_summaries.open_opportunities as {{ dbt.type_bigint() }}) as open_opportunities,
        company_details.first_activity_at,
        company_details.last_activity_at,
        won_units.won_business_units,
        unit_summaries.has_won_deal_in_other_unit = 1 as has_won_deal_in_other_unit
    from unit_summaries
    inner join company_details
        on unit_summaries.company_key = company_details.company_key
    left join won_units
        on unit_summaries.company_key = won_units.company_key
)

select * from final
