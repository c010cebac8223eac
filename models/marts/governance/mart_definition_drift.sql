-- Drift between the CRM/MA tool's own MQL flag (crm_mql_at) and the agreed
-- definition, per month (of the first of the two MQL times) and business
-- unit. A slice where the CRM flag is empty for every lead (the export has no
-- crm_mql_at, or the MA tool does not flag that unit) is `not_measured`: its
-- rates are null, because an absent flag is not a disagreement.
-- drift_status is the one judgement of a slice, which the drift tests and the
-- dashboard read: a measured slice with at least var drift_min_mql_leads leads
-- is `error` above var drift_error_rate, `warn` above var drift_warn_rate, else
-- `ok`; any other slice is `not_judged`. The limits it was judged by are
-- columns too, so a build run with other --vars says so.
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

measured as (
    select
        *,
        case when both_count + crm_only_count > 0 then 'measured' else 'not_measured' end as drift_measurement
    from slice_counts
),

-- The rates: macro drift_rates, the rule of the rollup marts too.
rated as (
    select
        *,
        {{ drift_rates(
            'both_count', 'crm_only_count', 'agreed_only_count', 'mql_leads', "drift_measurement = 'measured'"
        ) }}
    from measured
),

judged as (
    select
        *,
        case
            when disagreement_rate is null or mql_leads < {{ var('drift_min_mql_leads') }} then 'not_judged'
            when disagreement_rate > {{ var('drift_error_rate') }} then 'error'
            when disagreement_rate > {{ var('drift_warn_rate') }} then 'warn'
            else 'ok'
        end as drift_status
    from rated
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
        agreement_rate,
        disagreement_rate,
        cast(median_hours_crm_minus_agreed as {{ type_ratio() }}) as median_hours_crm_minus_agreed,
        cast(drift_measurement as {{ dbt.type_string() }}) as drift_measurement,
        cast(drift_status as {{ dbt.type_string() }}) as drift_status,
        cast({{ var('drift_warn_rate') }} as {{ type_ratio() }}) as drift_warn_rate,
        cast({{ var('drift_error_rate') }} as {{ type_ratio() }}) as drift_error_rate,
        cast({{ var('drift_min_mql_leads') }} as {{ dbt.type_bigint() }}) as drift_min_mql_leads
    from judged
)

select * from final
