-- Which funnel person a Lead or Contact Id (15 characters, as salesforce_id15) stands for. A lead
-- is itself. A contact a lead was converted into (a new contact, or an existing one the lead was
-- merged into) is that lead: the earliest converted when several were merged into it. Any other
-- contact is itself. Tasks, events, campaign members, lead history and contact roles find their
-- person here.
with

people as (
    select * from {{ ref('stg_salesforce__crm_people') }}
),

leads as (
    select * from {{ ref('stg_salesforce__lead') }}
),

conversions as (
    select
        {{ salesforce_id15('converted_contact_id') }} as record_id15,
        lead_id as person_id,
        row_number() over (
            partition by {{ salesforce_id15('converted_contact_id') }}
            order by converted_date, created_at, lead_id
        ) as conversion_order
    from leads
    where converted_contact_id is not null
),

final as (
    select
        {{ salesforce_id15('person_id') }} as record_id15,
        person_id
    from people
    union all
    select
        record_id15,
        person_id
    from conversions
    where conversion_order = 1
)

select * from final
