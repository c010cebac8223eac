-- Canonical leads, from the system var crm_source picks (macros/sources/crm_source.sql).
-- Its tests read the rows of the leads the loader changed since they last passed (macros/nightly/untested_leads.sql).
{{ loaded_lead_tests_config() }}
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
        source_touch_at,
        company_name,
        company_domain,
        email,
        crm_mql_at,
        updated_at
    from source_system
)

select * from final
