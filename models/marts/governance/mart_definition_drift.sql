-- Drift between the CRM/MA tool's own MQL flag (crm_mql_at) and the agreed
-- definition, per month (of the first of the two MQL times) and business
-- unit. The rate tests on this mart warn above var drift_warn_rate and fail
-- the build above var drift_error_rate.
with

lead_drift as (
    select * from {{ ref('int_lead_mql_drift') }}
),

slice_counts as (
    select
        signal_month,
        business_unit,
        count(*) as mql_leads,
        sum(case when drift_class = 'both' then 1 else 0 end) as both_count,
        sum(case when drift_class = 'crm_only' then 1 else 0 end) as crm_only_count,
        sum(case when drift_class = 'agreed_only' then 1 else 0 end) as agreed_only_count,
        {{ median('hours_crm_minus_agreed') }} as median_hours_crm_minus_agreed
    from lead_drift
    group by signal_month, business_unit
),

final as (
    select
        signal_month as mql_month,
        {{ fiscal_year('signal_month') }} as fiscal_year,
        {{ fiscal_half('signal_month') }} as fiscal_half,
        business_unit,
        cast(mql_leads as {{ dbt.type_bigint() }}) as mql_leads,
        cast(both_count as {{ dbt.type_bigint() }}) as both_count,
        cast(crm_only_count as {{ dbt.type_bigint() }}) as crm_only_count,
        cast(agreed_only_count as {{ dbt.type_bigint() }}) as agreed_only_count,
        {{ safe_divide('both_count', 'mql_leads') }} as agreement_rate,
        {{ safe_divide('crm_only_count + agreed_only_count', 'mql_leads') }} as disagreement_rate,
        cast(median_hours_crm_minus_agreed as {{ type_ratio() }}) as median_hours_crm_minus_agreed
    from slice_counts
)

select * from final
