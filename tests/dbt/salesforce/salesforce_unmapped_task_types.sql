{{ config(severity='warn', enabled=var('crm_source', 'contract') == 'salesforce') }}
-- Task and Event Types seed task_type_map does not map (they became `other_activity`, 0 points), with counts:
-- add them to seeds/sources/salesforce/task_type_map.csv.
with

activities as (
    select * from {{ ref('stg_salesforce__crm_lead_activities') }}
),

final as (
    select
        source_object,
        source_type,
        count(*) as activity_count
    from activities
    where source_object in ('task', 'event')
        and not is_type_mapped
    group by source_object, source_type
)

select * from final
