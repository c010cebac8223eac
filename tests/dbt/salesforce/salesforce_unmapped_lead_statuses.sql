{{ config(severity='warn', enabled=var('crm_source', 'contract') == 'salesforce') }}
-- LeadHistory Status values seed lead_status_map does not map (they were ignored), with counts:
-- add them to seeds/sources/salesforce/lead_status_map.csv.
with

history as (
    select * from {{ ref('stg_salesforce__lead_history') }}
),

lead_statuses as (
    select * from {{ ref('lead_status_map') }}
),

final as (
    select
        history.new_value as lead_status,
        count(*) as change_count
    from history
    left join lead_statuses
        on history.new_value = lead_statuses.lead_status
    where lower(history.field_name) = 'status'
        and history.new_value is not null
        and lead_statuses.lead_status is null
    group by history.new_value
)

select * from final
