{{ config(severity='warn', enabled=var('crm_source', 'contract') == 'salesforce') }}
-- LeadHistory Status values seed lead_status_map does not map (they were ignored), with counts:
-- add them to seeds/sources/salesforce/lead_status_map.csv. The values a Status row changed to, and
-- the status a lead was created in (its first Status row's old value: stg_salesforce__crm_lead_status_changes).
with

history as (
    select * from {{ ref('stg_salesforce__lead_history') }}
),

lead_statuses as (
    select * from {{ ref('lead_status_map') }}
),

status_history as (
    {{ salesforce_status_history('history') }}
),

status_values as (
    select new_value as lead_status
    from status_history
    union all
    select old_value as lead_status
    from status_history
    where change_number = 1
),

final as (
    select
        status_values.lead_status,
        count(*) as change_count
    from status_values
    left join lead_statuses
        on status_values.lead_status = lead_statuses.lead_status
    where status_values.lead_status is not null
        and lead_statuses.lead_status is null
    group by status_values.lead_status
)

select * from final
