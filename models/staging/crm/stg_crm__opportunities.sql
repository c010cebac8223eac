-- Canonical opportunities, from the system var crm_source picks (macros/sources/crm_source.sql).
with

source_system as (
    select * from {{ crm_source_relation('opportunities') }}
),

final as (
    select
        opportunity_id,
        lead_id,
        lead_origin,
        account_id,
        business_unit,
        owner_id,
        opportunity_created_at,
        crm_stage,
        amount,
        currency,
        is_closed,
        closed_at,
        is_won,
        close_date
    from source_system
)

select * from final
