-- Every KPI metric event, one row per lead x catalogue metric, and per new
-- deal for won_amount (int_metric_events): the fact the KPI actuals and the
-- semantic layer's kpi_* metrics sum. Version 2 (deal_id); v1, one row per
-- lead x metric, is fct_kpi_metric_events_v1. BI and MetricFlow read it here, never in intermediate.
-- Built incrementally by lead (docs/nightly.md); a row's is_window_complete is
-- judged against int_as_of, so the leads whose windows elapsed are rebuilt too.
-- depends_on: {{ ref('int_as_of') }}
{{ lead_replace_config(
    lead_watermark='anchor_at',
    as_of_judgement={'flag': 'is_window_complete', 'due_at': 'window_ends_at'},
) }}
with

metric_events as (
    select * from {{ ref('int_metric_events') }}
    {{- incremental_lead_filter() }}
),

final as (
    select
        cast(metric as {{ dbt.type_string() }}) as metric,
        cast(metric_kind as {{ dbt.type_string() }}) as metric_kind,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(anchor_at as {{ dbt.type_timestamp() }}) as anchor_at,
        cast(fiscal_month as date) as fiscal_month,
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        cast(outcome_at as {{ dbt.type_timestamp() }}) as outcome_at,
        cast(window_ends_at as {{ dbt.type_timestamp() }}) as window_ends_at,
        is_outcome_in_window,
        is_window_complete,
        cast(metric_value as {{ type_money() }}) as metric_value
    from metric_events
)

select * from final
