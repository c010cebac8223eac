{#-
    Definition drift rolled up over mart_definition_drift's month x unit slices (docs/governance.md):
    the one rule of the drift rates and of a group of slices' status, which mart_definition_drift
    (per slice), mart_definition_drift_half (per fiscal half x business_unit_scope) and
    mart_definition_drift_all_units (per month, every unit together) all apply, so a rollup's rate is
    the rate of its measured slices' summed leads, never a mean of the slices' rates.

    drift_rates(both, crm_only, agreed_only, leads, is_measured): agreement_rate = both / leads and
    disagreement_rate = (crm_only + agreed_only) / leads, both null unless is_measured (a slice with
    no CRM flag is not a disagreement: every one of its leads is agreed_only).

    worst_drift_status(status): aggregate: the worst drift_status of a group, in the order
    not_judged < ok < warn < error; not_judged for a group with none judged.

    drift_rollup(relation, period_columns): sums of `relation` (mart_definition_drift's rows with
    their business_unit_scope, macro all_and_own_scopes) per period_columns x business_unit_scope:
    the slices and the measured ones, every MQL lead and those of measured slices, the flag counts of
    the measured slices, the worst status and the warn and error slices. Medians do not add up: they
    stay per slice in mart_definition_drift.

    drift_rollup_columns(): the rollup marts' measure columns in their contract types.
-#}
{% macro drift_rates(both, crm_only, agreed_only, leads, is_measured) -%}
    case when {{ is_measured }} then {{ safe_divide(both, leads) }} end as agreement_rate,
    case
        when {{ is_measured }} then {{ safe_divide(crm_only ~ ' + ' ~ agreed_only, leads) }}
    end as disagreement_rate
{%- endmacro %}

{% macro worst_drift_status(status) -%}
    case max(
        case {{ status }} when 'error' then 3 when 'warn' then 2 when 'ok' then 1 else 0 end
    )
        when 3 then 'error'
        when 2 then 'warn'
        when 1 then 'ok'
        else 'not_judged'
    end
{%- endmacro %}

{% macro drift_rollup(relation, period_columns) -%}
    {%- set partition = period_columns | join(', ') ~ ', business_unit_scope' %}
    {%- set measured = "drift_measurement = 'measured'" %}
    select
        {{ partition }},
        count(*) as slices,
        sum(case when {{ measured }} then 1 else 0 end) as measured_slices,
        sum(mql_leads) as mql_leads,
        sum(case when {{ measured }} then mql_leads else 0 end) as measured_mql_leads,
        sum(case when {{ measured }} then both_count else 0 end) as both_count,
        sum(case when {{ measured }} then crm_only_count else 0 end) as crm_only_count,
        sum(case when {{ measured }} then agreed_only_count else 0 end) as agreed_only_count,
        {{ worst_drift_status('drift_status') }} as worst_drift_status,
        sum(case when drift_status = 'warn' then 1 else 0 end) as warn_slices,
        sum(case when drift_status = 'error' then 1 else 0 end) as error_slices
    from {{ relation }}
    group by {{ partition }}
{%- endmacro %}

{% macro drift_rollup_columns() -%}
    cast(business_unit_scope as {{ dbt.type_string() }}) as business_unit_scope,
    cast(slices as {{ dbt.type_bigint() }}) as slices,
    cast(measured_slices as {{ dbt.type_bigint() }}) as measured_slices,
    cast(mql_leads as {{ dbt.type_bigint() }}) as mql_leads,
    cast(measured_mql_leads as {{ dbt.type_bigint() }}) as measured_mql_leads,
    cast(both_count as {{ dbt.type_bigint() }}) as both_count,
    cast(crm_only_count as {{ dbt.type_bigint() }}) as crm_only_count,
    cast(agreed_only_count as {{ dbt.type_bigint() }}) as agreed_only_count,
    {{ drift_rates(
        'both_count', 'crm_only_count', 'agreed_only_count', 'measured_mql_leads', 'measured_slices > 0'
    ) }},
    cast(worst_drift_status as {{ dbt.type_string() }}) as worst_drift_status,
    cast(warn_slices as {{ dbt.type_bigint() }}) as warn_slices,
    cast(error_slices as {{ dbt.type_bigint() }}) as error_slices
{%- endmacro %}
