-- Users not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('user') }}
),

final as (
    select
        id as user_id,
        name as user_name,
        user_role_id,
        is_active,
        business_unit_c as business_unit
    from source
)

select * from final
