{#- The hand-off SLA rolled up over a group of MQLs (rows of int_handoff_sla): the one rule of its
    counts, medians and breach rate, which mart_handoff_sla_monthly (per month, unit and owner) and
    mart_handoff_sla_half (per half, unit scope and owner scope) both apply, so a half's rate is the
    rate of its MQLs, never a mean of the months' rates.
    handoff_sla_aggregates(): the aggregate expressions, in a select grouped by the rollup's keys.
    handoff_sla_columns(): the contract's columns over those aggregates, in the marts' order. -#}
{% macro handoff_sla_aggregates() -%}
    count(*) as handed_over,
    sum(case when is_responded then 1 else 0 end) as responded,
    sum(case when sla_status = 'responded_in_sla' then 1 else 0 end) as responded_in_sla,
    sum(case when sla_status = 'responded_late' then 1 else 0 end) as responded_late,
    sum(case when sla_status = 'open_in_sla' then 1 else 0 end) as open_in_sla,
    sum(case when sla_status = 'open_breached' then 1 else 0 end) as open_breached,
    sum(case when is_breached then 1 else 0 end) as breached,
    {{ median('business_days_to_response') }} as median_business_days_to_response,
    {{ median('days_to_response') }} as median_days_to_response
{%- endmacro %}


{% macro handoff_sla_columns() -%}
    cast(handed_over as {{ dbt.type_bigint() }}) as handed_over,
    cast(responded as {{ dbt.type_bigint() }}) as responded,
    cast(responded_in_sla as {{ dbt.type_bigint() }}) as responded_in_sla,
    cast(responded_late as {{ dbt.type_bigint() }}) as responded_late,
    cast(open_in_sla as {{ dbt.type_bigint() }}) as open_in_sla,
    cast(breached as {{ dbt.type_bigint() }}) as breached,
    {{ safe_divide('breached', 'handed_over') }} as breach_rate,
    cast(median_business_days_to_response as {{ type_ratio() }}) as median_business_days_to_response,
    cast(median_days_to_response as {{ type_ratio() }}) as median_days_to_response,
    cast(open_breached as {{ dbt.type_bigint() }}) as open_breached
{%- endmacro %}


{#- The incremental configuration of the per-MQL hand-off models (int_handoff_sla and the mart
    mart_handoff_sla, a projection of it), in one place so both recompute the same leads
    (lead_replace, macros/nightly/lead_incremental.sql; docs/nightly.md): besides the leads whose
    events changed, an unanswered MQL whose due day ended at a later as-of instant (as_of_judgement on
    is_sla_due_day_over, reached at sla_due_until) and an MQL whose responding owner was renamed, moved
    to another team or deleted (stored_lookup on stg_crm__owners). Each model refs int_as_of and
    stg_crm__owners itself (a `-- depends_on:` comment will do). -#}
{% macro handoff_sla_lead_replace_config() -%}
    {{ lead_replace_config(
        lead_watermark='mql_at',
        as_of_judgement={'flag': 'is_sla_due_day_over', 'due_at': 'sla_due_until'},
        stored_lookup={
            'model': 'stg_crm__owners',
            'key': ['responding_owner_id', 'owner_id'],
            'columns': {'responding_owner_name': 'owner_name', 'responding_owner_team': 'team'},
        },
    ) }}
{%- endmacro %}
