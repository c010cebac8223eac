-- The hand-off SLA rolled up per fiscal month of the MQL, business unit and
-- responding owner (int_handoff_sla's sla_owner_id: MQLs nobody has responded
-- to are under '(no response)', responses without an owner under '(unknown)').
-- The counts, medians and rate: macro handoff_sla_aggregates / _columns.
with

handoff_sla as (
    select * from {{ ref('int_handoff_sla') }}
),

rolled_up as (
    select
        fiscal_month,
        fiscal_year,
        fiscal_half,
        business_unit,
        sla_owner_id as owner_id,
        max(responding_owner_name) as owner_name,
        {{ handoff_sla_aggregates() }}
    from handoff_sla
    group by fiscal_month, fiscal_year, fiscal_half, business_unit, sla_owner_id
),

final as (
    select
        cast(fiscal_month as date) as fiscal_month,
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(owner_name as {{ dbt.type_string() }}) as owner_name,
        {{ handoff_sla_columns() }}
    from rolled_up
)

select * from final
