-- Canonical leads, from the system var crm_source picks (macros/sources/crm_source.sql).
with

source_system as (
    select * from {{ crm_source_relation('leads') }}
),

final as (
    select
        lead_id,
        lead_created_at,
        business_unit,
        source_campaign_id,
        company_name,
        company_domain,
        email,
        crm_mql_at,
        updated_at
    from source_system
)

select * from final
