-- Definition drift per month, every business unit together: the month's slices
-- of mart_definition_drift added up (macro drift_rollup, business_unit_scope
-- '(all)'). Its rates are of the measured slices' summed leads, never a mean of
-- the units' rates, and its status is its worst slice's: what the dashboard's
-- drift chart shows for all units. Each unit's own months are
-- mart_definition_drift's rows.
with

drift as (
    select * from {{ ref('mart_definition_drift') }}
),

every_unit as (
    select
        mql_month,
        fiscal_year,
        fiscal_half,
        {{ all_rows_label() }} as business_unit_scope,
        mql_leads,
        both_count,
        crm_only_count,
        agreed_only_count,
        drift_measurement,
        drift_status
    from drift
),

rolled_up as (
    {{ drift_rollup('every_unit', ['mql_month', 'fiscal_year', 'fiscal_half']) }}
),

final as (
    select
        cast(mql_month as date) as mql_month,
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        {{ drift_rollup_columns() }}
    from rolled_up
)

select * from final
