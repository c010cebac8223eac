-- Events not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('event') }}
),

final as (
    select
        id as event_id,
        who_id,
        what_id,
        type as event_type,
        subject,
        owner_id,
        created_date as created_at
    from source
)

select * from final
