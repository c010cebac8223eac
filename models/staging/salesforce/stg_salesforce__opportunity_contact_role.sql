-- Opportunity contact roles not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('opportunity_contact_role') }}
),

final as (
    select
        id as contact_role_id,
        opportunity_id,
        contact_id,
        is_primary,
        created_date as created_at
    from source
)

select * from final
