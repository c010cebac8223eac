-- The hand-off SLA per fiscal half of the MQL, for each business unit and for
-- every unit together (business_unit_scope), and for each responding owner and
-- every owner together (owner_scope; '(all)' is all_rows_label()). A scope's
-- rate and medians are of its MQLs (macro handoff_sla_aggregates), never a
-- mean of the months' or the units' rates: what the dashboard shows per half.
with

handoff_sla as (
    select * from {{ ref('int_handoff_sla') }}
),

-- Every MQL counts for every unit together and for its own unit, and for every
-- owner together and for its own owner (macro all_and_own_scopes).
unit_scopes as (
    {{ all_and_own_scopes('handoff_sla', 'lead_id', 'business_unit', 'business_unit_scope') }}
),

owner_scopes as (
    {{ all_and_own_scopes('handoff_sla', 'lead_id', 'sla_owner_id', 'owner_scope') }}
),

rolled_up as (
    select
        handoff_sla.fiscal_year,
        handoff_sla.fiscal_half,
        unit_scopes.business_unit_scope,
        owner_scopes.owner_scope,
        max(
            case
                when owner_scopes.owner_scope <> {{ all_rows_label() }}
                    then handoff_sla.responding_owner_name
            end
        ) as owner_name,
        {{ handoff_sla_aggregates() }}
    from handoff_sla
    inner join unit_scopes
        on handoff_sla.lead_id = unit_scopes.lead_id
    inner join owner_scopes
        on handoff_sla.lead_id = owner_scopes.lead_id
    group by
        handoff_sla.fiscal_year,
        handoff_sla.fiscal_half,
        unit_scopes.business_unit_scope,
        owner_scopes.owner_scope
),

final as (
    select
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        cast(business_unit_scope as {{ dbt.type_string() }}) as business_unit_scope,
        cast(owner_scope as {{ dbt.type_string() }}) as owner_scope,
        cast(owner_name as {{ dbt.type_string() }}) as owner_name,
        {{ handoff_sla_columns() }}
    from rolled_up
)

select * from final
