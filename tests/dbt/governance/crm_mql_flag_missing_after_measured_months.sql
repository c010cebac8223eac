{{ config(severity='warn', store_failures=true) }}
-- Months in which the CRM/MA tool flagged no MQL of a business unit it had
-- flagged in an earlier month, while the agreed definition made at least
-- var drift_min_mql_leads of its leads MQL. mart_definition_drift calls such a
-- slice not_measured (an absent flag is not a disagreement), so the drift tests
-- skip it; but after months of flags, a month without any usually means the
-- tool stopped flagging (a broken sync, a rule switched off, the column dropped
-- from the export). Warn: the drift mart cannot tell that from a unit taken
-- off the tool on purpose (docs/governance.md).
with

drift as (
    select * from {{ ref('mart_definition_drift') }}
),

first_measured as (
    select
        business_unit,
        min(mql_month) as first_measured_month
    from drift
    where drift_measurement = 'measured'
    group by business_unit
),

final as (
    select
        drift.mql_month,
        drift.business_unit,
        drift.agreed_only_count,
        first_measured.first_measured_month
    from drift
    inner join first_measured
        on drift.business_unit = first_measured.business_unit
    where drift.drift_measurement = 'not_measured'
        and drift.mql_month > first_measured.first_measured_month
        and drift.agreed_only_count >= {{ var('drift_min_mql_leads') }}
)

select * from final
