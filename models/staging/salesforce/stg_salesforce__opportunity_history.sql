-- Opportunity history rows not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('opportunity_history') }}
),

final as (
    select
        id as opportunity_history_id,
        opportunity_id,
        stage_name,
        amount,
        close_date,
        forecast_category,
        created_date as changed_at
    from source
)

select * from final
