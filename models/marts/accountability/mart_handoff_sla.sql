-- The MQL hand-off SLA: one row per MQL handed to inside sales, with its first
-- response and whether the response came within var('sal_sla_business_days')
-- business days (judged at int_as_of for those still open). Rules: int_handoff_sla.
-- Incremental by lead as int_handoff_sla is, on the same affected leads
-- (handoff_sla_lead_replace_config), so a night's publication patches the
-- leads it rewrote instead of copying every MQL.
-- depends_on: {{ ref('int_as_of') }} {{ ref('stg_crm__owners') }}
{{ handoff_sla_lead_replace_config() }}
with

handoff_sla as (
    select * from {{ ref('int_handoff_sla') }}
    {{- incremental_lead_filter() }}
),

final as (
    select
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(mql_at as {{ dbt.type_timestamp() }}) as mql_at,
        cast(fiscal_month as date) as fiscal_month,
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        cast(sla_business_days as integer) as sla_business_days,
        cast(sla_due_on as date) as sla_due_on,
        cast(sla_due_until as {{ dbt.type_timestamp() }}) as sla_due_until,
        is_sla_due_day_over,
        cast(first_response_at as {{ dbt.type_timestamp() }}) as first_response_at,
        cast(response_status as {{ dbt.type_string() }}) as response_status,
        cast(responding_owner_id as {{ dbt.type_string() }}) as responding_owner_id,
        cast(responding_owner_name as {{ dbt.type_string() }}) as responding_owner_name,
        cast(responding_owner_team as {{ dbt.type_string() }}) as responding_owner_team,
        cast(business_days_to_response as integer) as business_days_to_response,
        cast(days_to_response as {{ type_ratio() }}) as days_to_response,
        is_responded,
        is_breached,
        cast(sla_status as {{ dbt.type_string() }}) as sla_status
    from handoff_sla
)

select * from final
