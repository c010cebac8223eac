-- User roles not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('user_role') }}
),

final as (
    select
        id as user_role_id,
        name as role_name
    from source
)

select * from final
