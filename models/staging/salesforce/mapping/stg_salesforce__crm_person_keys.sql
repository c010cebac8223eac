-- Which funnel person a Lead or Contact Id (15 characters, as salesforce_id15) stands for, and when.
-- A lead is itself, always. A contact leads were converted into is, at each moment, one of those
-- leads: the earliest converted lead (order: ConvertedDate 00:00 reporting time, then CreatedDate,
-- then Id) until the next one begins, and each later lead from its own CreatedDate, but not before
-- the conversion ahead of it. The earliest is the contact since always when the conversion created
-- the contact; when the contact existed before that lead (a lead merged into a customer's contact),
-- the contact is itself until the lead's CreatedDate (stg_salesforce__crm_people keeps it a person). Salesforce moves a
-- lead's tasks and events to the contact when it converts the lead, so a returning customer's new
-- lead finds its own pre-conversion activities on the contact, from its creation on. Any other
-- contact is itself, always. Tasks, events, campaign members, lead history and contact roles find
-- their person here, at their own time (macro person_key_in_force). valid_from null: since always;
-- valid_to null: for good. The spans of one record never overlap
-- (tests/dbt/salesforce/assert_person_key_spans_do_not_overlap.sql).
with

people as (
    select * from {{ ref('stg_salesforce__crm_people') }}
),

leads as (
    select * from {{ ref('stg_salesforce__lead') }}
),

contact_people as (
    select
        {{ salesforce_id15('person_id') }} as record_id15,
        person_id
    from people
    where person_object = 'contact'
),

conversions as (
    select
        {{ salesforce_id15('converted_contact_id') }} as record_id15,
        lead_id as person_id,
        created_at,
        -- a converted lead without ConvertedDate counts as converted when it was created
        coalesce(cast(converted_date as {{ dbt.type_timestamp() }}), created_at) as converted_at,
        row_number() over (
            partition by {{ salesforce_id15('converted_contact_id') }}
            order by coalesce(cast(converted_date as {{ dbt.type_timestamp() }}), created_at), created_at, lead_id
        ) as conversion_order
    from leads
    where converted_contact_id is not null
),

conversion_starts as (
    select
        conversions.record_id15,
        conversions.person_id,
        conversions.conversion_order,
        conversions.created_at,
        contact_people.person_id is not null as is_contact_a_person,
        lag(conversions.converted_at) over (
            partition by conversions.record_id15 order by conversions.conversion_order
        ) as previous_converted_at
    from conversions
    left join contact_people
        on conversions.record_id15 = contact_people.record_id15
),

span_starts as (
    select
        record_id15,
        person_id,
        conversion_order,
        case
            when conversion_order = 1 and is_contact_a_person then created_at
            when conversion_order = 1 then null
            when created_at > previous_converted_at then created_at
            else previous_converted_at
        end as valid_from
    from conversion_starts
),

conversion_spans as (
    select
        record_id15,
        person_id,
        valid_from,
        lead(valid_from) over (partition by record_id15 order by conversion_order) as valid_to
    from span_starts
),

first_lead_starts as (
    select
        record_id15,
        valid_from
    from span_starts
    where conversion_order = 1
),

final as (
    select
        {{ salesforce_id15('people.person_id') }} as record_id15,
        people.person_id,
        cast(null as {{ dbt.type_timestamp() }}) as valid_from,
        -- a contact that is a person of its own until the first lead converted into it begins
        first_lead_starts.valid_from as valid_to
    from people
    left join first_lead_starts
        on {{ salesforce_id15('people.person_id') }} = first_lead_starts.record_id15
    union all
    select
        record_id15,
        person_id,
        valid_from,
        valid_to
    from conversion_spans
    -- a lead whose successor begins when it does is in force for no time at all
    where valid_from is null or valid_to is null or valid_from < valid_to
)

select * from final
