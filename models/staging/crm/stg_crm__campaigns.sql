-- Canonical campaigns, from the system var crm_source picks (macros/sources/crm_source.sql).
with

source_system as (
    select * from {{ crm_source_relation('campaigns') }}
),

final as (
    select
        campaign_id,
        campaign_name,
        channel,
        business_unit,
        started_on,
        ended_on
    from source_system
)

select * from final
