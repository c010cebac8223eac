-- Definition drift per fiscal half, for each business unit and for every unit
-- together (business_unit_scope; '(all)' is all_rows_label()): the month x unit
-- slices of mart_definition_drift added up (macro drift_rollup). A row's rates
-- are of its measured slices' summed leads, never a mean of the slices' rates;
-- its status is its worst slice's (worst_drift_status), with the number of
-- slices that warn and fail: what the dashboard's drift cards show per half.
with

drift as (
    select * from {{ ref('mart_definition_drift') }}
),

-- Every slice counts for every unit together and for its own unit.
scoped as (
    {{ all_and_own_scopes(
        'drift',
        'fiscal_year, fiscal_half, mql_leads, both_count, crm_only_count, agreed_only_count,'
        ~ ' drift_measurement, drift_status',
        'business_unit',
        'business_unit_scope'
    ) }}
),

rolled_up as (
    {{ drift_rollup('scoped', ['fiscal_year', 'fiscal_half']) }}
),

final as (
    select
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        {{ drift_rollup_columns() }}
    from rolled_up
)

select * from final
