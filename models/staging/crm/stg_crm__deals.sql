-- Canonical deals, from the system var crm_source picks (macros/sources/crm_source.sql).
with

source_system as (
    select * from {{ crm_source_relation('deals') }}
),

final as (
    select
        deal_id,
        opportunity_id,
        signed_on,
        deal_type,
        amount,
        currency,
        contract_start,
        contract_end,
        renewed_from_deal_id
    from source_system
)

select * from final
