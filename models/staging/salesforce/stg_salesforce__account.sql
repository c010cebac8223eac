-- Accounts not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('account') }}
),

final as (
    select
        id as account_id,
        name as account_name,
        website,
        owner_id
    from source
)

select * from final
