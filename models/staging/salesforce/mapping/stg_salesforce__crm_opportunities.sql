-- Opportunities, every non-deleted one, linked to a funnel person in this order:
-- 1. the lead whose ConvertedOpportunityId is it (lead_origin `lead`; the earliest converted first);
-- 2. else its primary OpportunityContactRole's contact: the lead converted into that contact (the one
--    in force when the opportunity was created), or the contact itself (`contact`; earliest role first);
-- 3. else no person (`account`: expansions, renewals, deals opened on the account).
-- business_unit: its field, else its owner's, else its person's (stg_salesforce__crm_people); without a
-- person, its account's when the account's opportunities with a unit (var default_business_unit aside)
-- all share one (an account of several units: none, a guess would move pipeline between units); else
-- var default_business_unit.
-- is_closed / is_won: IsClosed / IsWon, else the stage's flags in seed pipeline_stages, else open (an
-- empty IsClosed with IsWon true is closed). closed_at: CloseDate 00:00 reporting time when closed, or
-- created_at when that is later. Currency: CurrencyIsoCode, else var salesforce_default_currency.
-- Longer than 150 lines on purpose: the person link, the unit (which needs every opportunity of the
-- account) and the flags decide one row together; split, each part would read the same objects again.
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

people as (
    select * from {{ ref('stg_salesforce__crm_people') }}
),

stages as (
    select * from {{ ref('pipeline_stages') }}
),

flagged as (
    select
        opportunities.*,
        -- a won deal is closed, whatever its stage says
        coalesce(
            opportunities.is_closed,
            coalesce(opportunities.is_won, false) or coalesce(stages.is_closed, false)
        ) as is_closed_flag,
        coalesce(opportunities.is_won, stages.is_won, false) as is_won_flag
    from opportunities
    left join stages
        on opportunities.stage_name = stages.crm_stage
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
    inner join opportunities as role_opportunities
        on {{ salesforce_id15('contact_roles.opportunity_id') }}
            = {{ salesforce_id15('role_opportunities.opportunity_id') }}
    inner join person_keys
        on {{ salesforce_id15('contact_roles.contact_id') }} = person_keys.record_id15
            and {{ person_key_in_force('person_keys', 'role_opportunities.created_at') }}
    where contact_roles.is_primary
),

linked as (
    select
        flagged.*,
        coalesce(conversions.lead_id, primary_roles.person_id) as lead_id,
        case
            when conversions.lead_id is not null then 'lead'
            when primary_roles.person_id is not null then 'contact'
            else 'account'
        end as lead_origin,
        coalesce(flagged.business_unit, users.business_unit, people.business_unit) as known_business_unit
    from flagged
    left join conversions
        on {{ salesforce_id15('flagged.opportunity_id') }} = conversions.opportunity_id15
            and conversions.conversion_order = 1
    left join primary_roles
        on {{ salesforce_id15('flagged.opportunity_id') }} = primary_roles.opportunity_id15
            and primary_roles.role_order = 1
    left join users
        on {{ salesforce_id15('flagged.owner_id') }} = {{ salesforce_id15('users.user_id') }}
    left join people
        on coalesce(conversions.lead_id, primary_roles.person_id) = people.person_id
),

account_units as (
    -- The one unit of an account whose opportunities with a unit all share it.
    select
        {{ salesforce_id15('account_id') }} as account_id15,
        min(known_business_unit) as business_unit
    from linked
    where
        account_id is not null
        and known_business_unit <> '{{ var("default_business_unit") }}'
    group by {{ salesforce_id15('account_id') }}
    having count(distinct known_business_unit) = 1
),

final as (
    select
        linked.opportunity_id,
        linked.lead_id,
        linked.lead_origin,
        linked.account_id,
        coalesce(
            linked.known_business_unit,
            case when linked.lead_origin = 'account' then account_units.business_unit end,
            '{{ var("default_business_unit") }}'
        ) as business_unit,
        linked.owner_id,
        linked.created_at as opportunity_created_at,
        linked.stage_name as crm_stage,
        linked.amount,
        coalesce(linked.currency_iso_code, {{ default_currency('salesforce') }}) as currency,
        linked.is_closed_flag as is_closed,
        -- CloseDate is a date: a close backdated before the creation is at the creation
        case
            when linked.is_closed_flag
                then greatest(cast(linked.close_date as {{ dbt.type_timestamp() }}), linked.created_at)
        end as closed_at,
        linked.is_won_flag as is_won,
        linked.opportunity_type,
        linked.close_date,
        linked.contract_start,
        linked.contract_end
    from linked
    left join account_units
        on {{ salesforce_id15('linked.account_id') }} = account_units.account_id15
)

select * from final
