-- Status changes of funnel people: LeadHistory rows with Field `Status`, the new value mapped by
-- seed lead_status_map to accepted, rejected, disqualified, nurture or ignored. Values the seed
-- does not map are ignored too (a warn test lists them); ignored rows are not status changes.
-- owner_id is the user who made the change. Salesforce records a lead's creation as a `created`
-- row, not a Status row, so the status a lead was created in is the old value of its first Status
-- row, as of the lead's CreatedDate (owner unknown): a lead an SDR entered as Working - Contacted was
-- accepted when it was created. A lead without Status rows has no status change at all.
with

history as (
    select * from {{ ref('stg_salesforce__lead_history') }}
),

person_keys as (
    select * from {{ ref('stg_salesforce__crm_person_keys') }}
),

lead_statuses as (
    select * from {{ ref('lead_status_map') }}
),

leads as (
    select * from {{ ref('stg_salesforce__lead') }}
),

status_history as (
    {{ salesforce_status_history('history') }}
),

initial_statuses as (
    select
        status_history.lead_id,
        leads.created_at as changed_at,
        status_history.old_value as new_value,
        cast(null as {{ dbt.type_string() }}) as created_by_id
    from status_history
    inner join leads
        on {{ salesforce_id15('status_history.lead_id') }} = {{ salesforce_id15('leads.lead_id') }}
    where status_history.change_number = 1
        and status_history.old_value is not null
),

status_rows as (
    select
        lead_id,
        changed_at,
        new_value,
        created_by_id
    from status_history
    union all
    select
        lead_id,
        changed_at,
        new_value,
        created_by_id
    from initial_statuses
),

mapped as (
    select
        person_keys.person_id as lead_id,
        status_rows.changed_at,
        coalesce(lead_statuses.status, 'ignored') as status,
        status_rows.created_by_id as owner_id
    from status_rows
    inner join person_keys
        on {{ salesforce_id15('status_rows.lead_id') }} = person_keys.record_id15
            and {{ person_key_in_force('person_keys', 'status_rows.changed_at') }}
    left join lead_statuses
        on status_rows.new_value = lead_statuses.lead_status
),

final as (
    select distinct
        lead_id,
        changed_at,
        status,
        owner_id
    from mapped
    where status <> 'ignored'
)

select * from final
