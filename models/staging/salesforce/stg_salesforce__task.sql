-- Tasks not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('task') }}
),

final as (
    select
        id as task_id,
        who_id,
        what_id,
        type as task_type,
        subject,
        owner_id,
        created_date as created_at
    from source
)

select * from final
