-- One row per opportunity x state interval (int_opportunity_states; docs/pipeline.md).
with

states as (
    select * from {{ ref('int_opportunity_states') }}
),

final as (
    select
        opportunity_id,
        valid_from,
        valid_to,
        stage,
        stage_order,
        amount,
        close_date,
        forecast_category,
        cast(probability as {{ type_ratio() }}) as probability,
        is_closed,
        is_won,
        business_unit,
        owner_id,
        owner_team
    from states
)

select * from final
