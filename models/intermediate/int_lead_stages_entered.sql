-- The agreed funnel per lead. Entered time of a stage = the earliest recorded
-- time of that stage or any later one (so a skipped stage counts as passed at
-- the next stage's time), clamped to be no earlier than the lead's creation.
-- A stage is implied when the lead reached it but not at its own recorded time.
-- The funnel is monotone by construction: every reached stage's predecessors
-- are reached, and entered times never decrease.
{%- set stages = funnel_stages() %}
{%- set later_stages = stages[1:] %}
{{ lead_replace_config(lead_watermark='lead_created_at') }}
with

stages_recorded as (
    select * from {{ ref('int_lead_stages_recorded') }}
    {{- incremental_lead_filter() }}
),

unclamped as (
    select
        lead_id,
        business_unit,
        source_campaign_id,
        lead_created_at,
        {%- for stage in later_stages %}
            {%- set candidates = [] %}
            {%- for later in later_stages[loop.index0:] %}
                {%- do candidates.append(later ~ '_recorded_at') %}
            {%- endfor %}
            {{ stage }}_recorded_at,
            {{ candidates[0] if candidates | length == 1 else 'least(' ~ candidates | join(', ') ~ ')' }}
                as {{ stage }}_earliest_at,
        {%- endfor %}
        won_amount
    from stages_recorded
),

final as (
    select
        lead_id,
        business_unit,
        source_campaign_id,
        lead_created_at,
        {%- for stage in later_stages %}
            case
                when {{ stage }}_earliest_at is null then null
                when {{ stage }}_earliest_at < lead_created_at then lead_created_at
                else {{ stage }}_earliest_at
            end as {{ stage }}_at,
            (
                {{ stage }}_earliest_at is not null
                and ({{ stage }}_recorded_at is null or {{ stage }}_recorded_at > {{ stage }}_earliest_at)
            ) as is_{{ stage }}_implied,
        {%- endfor %}
        case
            {%- for stage in later_stages | reverse %}
                when {{ stage }}_earliest_at is not null then '{{ stage }}'
            {%- endfor %}
            else '{{ stages[0] }}'
        end as furthest_stage,
        won_amount
    from unclamped
)

select * from final
