-- Opportunities, every non-deleted one, linked to a funnel person in this order:
-- 1. the lead whose ConvertedOpportunityId is it (lead_origin `lead`; the earliest converted when
--    several name it);
-- 2. else its primary OpportunityContactRole's contact: the lead converted into that contact, or
--    the contact itself (lead_origin `contact`; the earliest role when several are primary);
-- 3. else no person (lead_origin `account`: expansions, renewals, deals opened on the account).
-- business_unit: the opportunity's business-unit field, else its owner's, else var
-- default_business_unit. closed_at: CloseDate 00:00 reporting time when IsClosed, or created_at when
-- that is later. Currency: CurrencyIsoCode, else var salesforce_default_currency.
with

opportunities as (
    select * from {{ ref('stg_salesforce__opportunity') }}
),

leads as (
    select * from {{ ref('stg_salesforce__lead') }}
),

contact_roles as (
    select * from {{ ref('stg_salesforce__opportunity_contact_role') }}
),

person_keys as (
    select * from {{ ref('stg_salesforce__crm_person_keys') }}
),

users as (
    select * from {{ ref('stg_salesforce__user') }}
),

conversions as (
    select
        {{ salesforce_id15('converted_opportunity_id') }} as opportunity_id15,
        lead_id,
        row_number() over (
            partition by {{ salesforce_id15('converted_opportunity_id') }}
            order by converted_date, created_at, lead_id
        ) as conversion_order
    from leads
    where converted_opportunity_id is not null
),

primary_roles as (
    select
        {{ salesforce_id15('contact_roles.opportunity_id') }} as opportunity_id15,
        person_keys.person_id,
        row_number() over (
            partition by {{ salesforce_id15('contact_roles.opportunity_id') }}
            order by contact_roles.created_at, contact_roles.contact_role_id
        ) as role_order
    from contact_roles
    inner join person_keys
        on {{ salesforce_id15('contact_roles.contact_id') }} = person_keys.record_id15
    where contact_roles.is_primary
),

final as (
    select
        opportunities.opportunity_id,
        coalesce(conversions.lead_id, primary_roles.person_id) as lead_id,
        case
            when conversions.lead_id is not null then 'lead'
            when primary_roles.person_id is not null then 'contact'
            else 'account'
        end as lead_origin,
        opportunities.account_id,
        coalesce(opportunities.business_unit, users.business_unit, '{{ var("default_business_unit") }}')
            as business_unit,
        opportunities.owner_id,
        opportunities.created_at as opportunity_created_at,
        opportunities.stage_name as crm_stage,
        opportunities.amount,
        coalesce(opportunities.currency_iso_code, {{ default_currency('salesforce') }}) as currency,
        coalesce(opportunities.is_closed, false) as is_closed,
        -- CloseDate is a date: a close dated the day the opportunity was created (or backdated before
        -- it) is at its creation, never before it.
        case
            when opportunities.is_closed
                then greatest(cast(opportunities.close_date as {{ dbt.type_timestamp() }}), opportunities.created_at)
        end as closed_at,
        coalesce(opportunities.is_won, false) as is_won,
        opportunities.opportunity_type,
        opportunities.close_date,
        opportunities.contract_start,
        opportunities.contract_end
    from opportunities
    left join conversions
        on {{ salesforce_id15('opportunities.opportunity_id') }} = conversions.opportunity_id15
            and conversions.conversion_order = 1
    left join primary_roles
        on {{ salesforce_id15('opportunities.opportunity_id') }} = primary_roles.opportunity_id15
            and primary_roles.role_order = 1
    left join users
        on {{ salesforce_id15('opportunities.owner_id') }} = {{ salesforce_id15('users.user_id') }}
)

select * from final
