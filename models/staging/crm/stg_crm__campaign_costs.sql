-- Canonical campaign costs, from the system var crm_source picks (macros/sources/crm_source.sql).
with

source_system as (
    select * from {{ crm_source_relation('campaign_costs') }}
),

final as (
    select
        campaign_id,
        cost_date,
        amount,
        currency
    from source_system
)

select * from final
