-- The KPI metric catalogue, generated from the kpi_metrics() macro: one row
-- per metric with its kind, anchor stage, outcome stage, measure and window.
{%- set metrics = kpi_metrics() %}
with

catalogue as (
    {%- for metric in metrics %}
        select
            '{{ metric.metric }}' as metric,
            {{ loop.index }} as metric_order,
            '{{ metric.kind }}' as metric_kind,
            '{{ metric.anchor_stage }}' as anchor_stage,
            {%- if metric.outcome_stage %}
                '{{ metric.outcome_stage }}' as outcome_stage,
            {%- else %}
                cast(null as {{ dbt.type_string() }}) as outcome_stage,
            {%- endif %}
            '{{ metric.measure }}' as measure,
            {{ kpi_window_days(metric.kind) }} as window_days
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select * from catalogue
)

select * from final
