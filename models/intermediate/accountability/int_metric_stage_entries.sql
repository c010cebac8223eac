-- Own-stage KPI metrics, one row per lead and metric: the lead entered the
-- metric's stage at anchor_at (the entered time from the core funnel). A count
-- metric is worth 1, won_amount the lead's won amount (reporting currency).
-- Summing metric_value by the period of anchor_at gives the metric.
{%- set own_stage_metrics = kpi_metrics() | selectattr('kind', 'equalto', 'own_stage') | list %}
{{ lead_replace_config(lead_watermark='anchor_at') }}
with

stage_entries as (
    select * from {{ ref('int_lead_stage_entries') }}
    {{- incremental_lead_filter() }}
),

stages_entered as (
    select * from {{ ref('int_lead_stages_entered') }}
    {{- incremental_lead_filter() }}
),

entries_with_amount as (
    select
        stage_entries.lead_id,
        stage_entries.business_unit,
        stage_entries.stage,
        stage_entries.entered_at,
        stages_entered.won_amount
    from stage_entries
    inner join stages_entered
        on stage_entries.lead_id = stages_entered.lead_id
),

final as (
    {%- for metric in own_stage_metrics %}
        {%- if metric.measure == 'amount' and metric.anchor_stage != 'won' %}
            {{ exceptions.raise_compiler_error("own-stage amount metrics are won amounts; " ~ metric.metric ~ " is anchored on " ~ metric.anchor_stage) }}
        {%- endif %}
        select
            '{{ metric.metric }}' as metric,
            lead_id,
            business_unit,
            entered_at as anchor_at,
            cast({{ 'won_amount' if metric.measure == 'amount' else 1 }} as {{ type_money() }}) as metric_value
        from entries_with_amount
        where stage = '{{ metric.anchor_stage }}'
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from final
