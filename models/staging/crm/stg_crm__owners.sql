-- Canonical owners, from the system var crm_source picks (macros/sources/crm_source.sql).
with

source_system as (
    select * from {{ crm_source_relation('owners') }}
),

final as (
    select
        owner_id,
        owner_name,
        team,
        business_unit
    from source_system
)

select * from final
