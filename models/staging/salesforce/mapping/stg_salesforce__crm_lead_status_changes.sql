-- Status changes of funnel people: LeadHistory rows with Field `Status`, the new value mapped by
-- seed lead_status_map to accepted, rejected, disqualified, nurture or ignored. Values the seed
-- does not map are ignored too (a warn test lists them); ignored rows are not status changes.
-- owner_id is the user who made the change.
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

mapped as (
    select
        person_keys.person_id as lead_id,
        history.changed_at,
        coalesce(lead_statuses.status, 'ignored') as status,
        history.created_by_id as owner_id
    from history
    inner join person_keys
        on {{ salesforce_id15('history.lead_id') }} = person_keys.record_id15
            and {{ person_key_in_force('person_keys', 'history.changed_at') }}
    left join lead_statuses
        on history.new_value = lead_statuses.lead_status
    where lower(history.field_name) = 'status'
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
