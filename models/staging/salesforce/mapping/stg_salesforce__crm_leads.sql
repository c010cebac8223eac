-- Leads: one row per funnel person (stg_salesforce__crm_people), lead_id = the record's Id. The
-- source campaign is the campaign of the person's earliest campaign membership (CreatedDate, ties
-- by Id), whether or not the member responded; a membership of a contact belongs to the person in
-- force at its CreatedDate (stg_salesforce__crm_person_keys). The source campaign touched the person
-- when that membership was created (source_touch_at), not before the person's creation.
-- crm_mql_at: the earliest MQL flag of the person's records. The MA tool writes a flag set after a
-- lead's conversion to the contact (a converted lead can no longer be edited), so a converted
-- contact's flag belongs to the person in force at the flag's time, as its activities do.
with

people as (
    select * from {{ ref('stg_salesforce__crm_people') }}
),

person_keys as (
    select * from {{ ref('stg_salesforce__crm_person_keys') }}
),

members as (
    select * from {{ ref('stg_salesforce__campaign_member') }}
),

campaigns as (
    select * from {{ ref('stg_salesforce__campaign') }}
),

contacts as (
    select * from {{ ref('stg_salesforce__contact') }}
),

contact_flags as (
    select
        contact_keys.person_id,
        min(contacts.crm_mql_at) as crm_mql_at
    from contacts
    inner join person_keys as contact_keys
        on {{ salesforce_id15('contacts.contact_id') }} = contact_keys.record_id15
            and {{ person_key_in_force('contact_keys', 'contacts.crm_mql_at') }}
    where contacts.crm_mql_at is not null
    group by contact_keys.person_id
),

memberships as (
    select
        coalesce(lead_keys.person_id, contact_keys.person_id) as person_id,
        campaigns.campaign_id,
        members.created_at as membership_created_at,
        row_number() over (
            partition by coalesce(lead_keys.person_id, contact_keys.person_id)
            order by members.created_at, members.campaign_member_id
        ) as membership_order
    from members
    inner join campaigns
        on {{ salesforce_id15('members.campaign_id') }} = {{ salesforce_id15('campaigns.campaign_id') }}
    left join person_keys as lead_keys
        on {{ salesforce_id15('members.lead_id') }} = lead_keys.record_id15
            and {{ person_key_in_force('lead_keys', 'members.created_at') }}
    left join person_keys as contact_keys
        on {{ salesforce_id15('members.contact_id') }} = contact_keys.record_id15
            and {{ person_key_in_force('contact_keys', 'members.created_at') }}
    where coalesce(lead_keys.person_id, contact_keys.person_id) is not null
),

final as (
    select
        people.person_id as lead_id,
        people.created_at as lead_created_at,
        people.business_unit,
        memberships.campaign_id as source_campaign_id,
        case
            when memberships.membership_created_at < people.created_at then people.created_at
            else memberships.membership_created_at
        end as source_touch_at,
        people.company_name,
        people.company_domain,
        people.email,
        case
            when contact_flags.crm_mql_at < people.crm_mql_at or people.crm_mql_at is null
                then contact_flags.crm_mql_at
            else people.crm_mql_at
        end as crm_mql_at,
        people.updated_at,
        people.person_object
    from people
    left join memberships
        on people.person_id = memberships.person_id
            and memberships.membership_order = 1
    left join contact_flags
        on people.person_id = contact_flags.person_id
)

select * from final
