-- Canonical opportunity history, from the system var crm_source picks (macros/sources/crm_source.sql):
-- each row is the opportunity's full state from changed_at on. Empty when the source has none.
with

source_system as (
    select * from {{ crm_source_relation('opportunity_history') }}
),

final as (
    select
        opportunity_id,
        changed_at,
        crm_stage,
        amount,
        currency,
        close_date,
        forecast_category
    from source_system
)

select * from final
