-- Canonical lead status changes, from the system var crm_source picks (macros/sources/crm_source.sql).
-- Its tests read the rows of the leads the loader changed since they last passed (macros/nightly/untested_leads.sql).
{{ loaded_lead_tests_config() }}
with

source_system as (
    select * from {{ crm_source_relation('lead_status_changes') }}
),

final as (
    select
        lead_id,
        changed_at,
        status,
        owner_id
    from source_system
)

select * from final
