-- One row per lead and stage it reached, with the entered time of the stage
-- and of the next stage (null when the lead did not go on). The long form of
-- the funnel that conversion marts and stage-entry metrics count.
{%- set stages = funnel_stages() %}
{{ lead_replace_config(lead_watermark='lead_created_at') }}
with

stages_entered as (
    select * from {{ ref('int_lead_stages_entered') }}
    {{- incremental_lead_filter() }}
),

{% for stage in stages %}
    {%- set entered = 'lead_created_at' if loop.first else stage ~ '_at' %}
    entries_{{ stage }} as (
        select
            lead_id,
            business_unit,
            source_campaign_id,
            lead_created_at,
            '{{ stage }}' as stage,
            {{ loop.index }} as stage_order,
            {{ entered }} as entered_at,
            {%- if loop.last %}
                cast(null as {{ dbt.type_timestamp() }}) as next_entered_at
            {%- else %}
                {{ stages[loop.index] }}_at as next_entered_at
            {%- endif %}
        from stages_entered
        where {{ entered }} is not null
    ),

{% endfor -%}

final as (
    {%- for stage in stages %}
        select * from entries_{{ stage }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from final
