-- Lead field history rows not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('lead_history') }}
),

final as (
    select
        id as lead_history_id,
        lead_id,
        field as field_name,
        old_value,
        new_value,
        created_by_id,
        created_date as changed_at
    from source
)

select * from final
