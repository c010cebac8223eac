-- Own-stage KPI metrics: one row per lead and count metric whose stage the
-- lead entered, anchored at the entered time (the core funnel's) and worth 1;
-- and one row per new deal for won_amount, worth the deal's amount (reporting
-- currency), anchored when the deal was signed (int_lead_won_deals), or at the
-- lead's won time when that is later (a deal dated before the lead). A lead's
-- later new deal counts in the period it was signed, so a period's won amount
-- is final once the period is over. Summing metric_value by the period of
-- anchor_at gives the metric. A deal's value is rounded to the cent cumulatively
-- (the lead's running total rounded, less the previous deals' rounded total), so
-- a lead's won_amount rows add up exactly to its won amount in fct_lead_funnel
-- (the lead's total, rounded once), whatever sub-cent amounts FX gives.
{%- set own_stage_metrics = kpi_metrics() | selectattr('kind', 'equalto', 'own_stage') | list %}
{{ lead_replace_config(lead_watermark='anchor_at') }}
with

stage_entries as (
    select * from {{ ref('int_lead_stage_entries') }}
    {{- incremental_lead_filter() }}
),

lead_won_deals as (
    select * from {{ ref('int_lead_won_deals') }}
    {{- incremental_lead_filter() }}
),

won_deal_entries as (
    select
        stage_entries.lead_id,
        stage_entries.business_unit,
        lead_won_deals.deal_id,
        case
            when lead_won_deals.signed_at > stage_entries.entered_at then lead_won_deals.signed_at
            else stage_entries.entered_at
        end as anchor_at,
        coalesce(lead_won_deals.amount_reporting, 0) as won_amount
    from stage_entries
    inner join lead_won_deals
        on stage_entries.lead_id = lead_won_deals.lead_id
    where stage_entries.stage = 'won'
),

won_deal_running_totals as (
    select
        won_deal_entries.*,
        sum(won_deal_entries.won_amount) over (
            partition by won_deal_entries.lead_id
            order by won_deal_entries.anchor_at, won_deal_entries.deal_id
            rows between unbounded preceding and current row
        ) as running_won_amount
    from won_deal_entries
),

won_deal_values as (
    select
        lead_id,
        business_unit,
        deal_id,
        anchor_at,
        cast(running_won_amount as {{ type_money() }})
        - cast(running_won_amount - won_amount as {{ type_money() }}) as won_amount
    from won_deal_running_totals
),

final as (
    {%- for metric in own_stage_metrics %}
        {%- if metric.measure == 'amount' and metric.anchor_stage != 'won' %}
            {{ exceptions.raise_compiler_error("own-stage amount metrics are won amounts; " ~ metric.metric ~ " is anchored on " ~ metric.anchor_stage) }}
        {%- endif %}
        {%- if metric.measure == 'amount' %}
            select
                '{{ metric.metric }}' as metric,
                lead_id,
                business_unit,
                cast(deal_id as {{ dbt.type_string() }}) as deal_id,
                anchor_at,
                cast(won_amount as {{ type_money() }}) as metric_value
            from won_deal_values
        {%- else %}
            select
                '{{ metric.metric }}' as metric,
                lead_id,
                business_unit,
                cast(null as {{ dbt.type_string() }}) as deal_id,
                entered_at as anchor_at,
                cast(1 as {{ type_money() }}) as metric_value
            from stage_entries
            where stage = '{{ metric.anchor_stage }}'
        {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from final
