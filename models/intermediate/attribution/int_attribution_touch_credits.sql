-- Multi-touch credit of every touch for every stage a lead reached after
-- `lead`, under each attribution model, side by side (one column per model).
-- A touch counts for a stage when it happened at or before the stage's
-- entered time and at most var('attribution_lookback_days') before it.
-- Touches are ordered by time, then the source touch, then activity_id.
-- A lead x stage without a counted touch gets one row with the no-touch
-- campaign and credit 1 in every model. docs/attribution.md defines the
-- models; attribution_models(), position_based_credit() and
-- attribution_credit() hold the weights and the rules (one column per model).
-- Longer than 150 lines on purpose: the six attribution models are computed side
-- by side over one ordered set of touches (one pass, one column per model), so
-- that a lead x stage's credits provably sum to 1 in every model at once.
{{ lead_replace_config(lead_watermark='touch_at') }}
with

stage_entries as (
    select * from {{ ref('int_lead_stage_entries') }}
    {{- incremental_lead_filter() }}
),

stages_entered as (
    select * from {{ ref('int_lead_stages_entered') }}
),

touches as (
    select * from {{ ref('int_attribution_touches') }}
),

attributed_entries as (
    select
        stage_entries.lead_id,
        stage_entries.business_unit,
        stage_entries.source_campaign_id,
        stage_entries.stage,
        stage_entries.stage_order,
        stage_entries.entered_at,
        stages_entered.mql_at,
        stages_entered.opportunity_at,
        stages_entered.won_amount
    from stage_entries
    inner join stages_entered
        on stage_entries.lead_id = stages_entered.lead_id
    where stage_entries.stage <> '{{ funnel_stages()[0] }}'
),

stage_touches as (
    select
        attributed_entries.lead_id,
        attributed_entries.business_unit,
        attributed_entries.source_campaign_id,
        attributed_entries.stage,
        attributed_entries.stage_order,
        attributed_entries.entered_at,
        attributed_entries.mql_at,
        attributed_entries.opportunity_at,
        attributed_entries.won_amount,
        touches.activity_id,
        touches.campaign_id,
        touches.touch_at,
        touches.is_source_touch
    from attributed_entries
    left join touches
        on attributed_entries.lead_id = touches.lead_id
            and attributed_entries.entered_at >= touches.touch_at
            and {{ dbt.dateadd('day', -1 * var('attribution_lookback_days'), 'attributed_entries.entered_at') }}
            <= touches.touch_at
),

positioned as (
    select
        lead_id,
        business_unit,
        source_campaign_id,
        stage,
        stage_order,
        entered_at,
        mql_at,
        opportunity_at,
        won_amount,
        activity_id,
        campaign_id,
        touch_at,
        is_source_touch,
        row_number() over (
            partition by lead_id, stage
            order by touch_at, case when is_source_touch then 0 else 1 end, activity_id
        ) as touch_position,
        count(touch_at) over (partition by lead_id, stage) as touch_count,
        sum(case when touch_at <= mql_at then 1 else 0 end) over (partition by lead_id, stage) as touches_to_mql,
        sum(case when touch_at <= coalesce(opportunity_at, entered_at) then 1 else 0 end)
            over (partition by lead_id, stage)
            as touches_to_opportunity,
        max(touch_at) over (partition by lead_id, stage) as last_touch_at
    from stage_touches
),

weighted as (
    select
        lead_id,
        business_unit,
        source_campaign_id,
        stage,
        stage_order,
        entered_at,
        mql_at,
        opportunity_at,
        won_amount,
        activity_id,
        campaign_id,
        touch_at,
        is_source_touch,
        touch_position,
        touch_count,
        last_touch_at,
        case when touches_to_mql > 0 then touches_to_mql else 1 end as mql_anchor_position,
        case when touches_to_opportunity > 0 then touches_to_opportunity else 1 end as opportunity_anchor_position,
        {{ days_between('touch_at', 'entered_at') }} as days_before_stage,
        -- 2^(-days/half-life), taken relative to the latest touch (weight 1, so the total is >= 1): > 0 while
        -- days/half-life <= 1000. It can be far below 1e-24 (fct_attribution_credit keeps it: docs/attribution.md).
        power(
            cast(2 as {{ type_ratio() }}),
            -1 * {{ days_between('touch_at', 'last_touch_at') }} / {{ var('attribution_half_life_days') }}
        ) as decay_weight
    from positioned
),

decay_totals as (
    select
        lead_id,
        business_unit,
        source_campaign_id,
        stage,
        stage_order,
        entered_at,
        mql_at,
        opportunity_at,
        won_amount,
        activity_id,
        campaign_id,
        touch_at,
        is_source_touch,
        touch_position,
        touch_count,
        mql_anchor_position,
        opportunity_anchor_position,
        days_before_stage,
        decay_weight,
        -- summed as exact decimals so the total (and every time-decay credit) is the same in every build
        cast(
            sum({{ attribution_exact('decay_weight') }}) over (partition by lead_id, stage) as {{ type_ratio() }}
        ) as decay_weight_total
    from weighted
),

final as (
    select
        lead_id,
        business_unit,
        source_campaign_id,
        stage,
        stage_order,
        entered_at as stage_entered_at,
        won_amount,
        activity_id,
        coalesce(campaign_id, '{{ no_touch_campaign_id() }}') as campaign_id,
        touch_at,
        coalesce(is_source_touch, false) as is_source_touch,
        case when touch_count > 0 then touch_position end as touch_position,
        touch_count,
        case when touch_count > 0 then mql_anchor_position end as mql_anchor_position,
        case when touch_count > 0 then opportunity_anchor_position end as opportunity_anchor_position,
        days_before_stage,
        {%- for model in attribution_models() %}
            {{ attribution_credit(model, {
                'position': 'touch_position',
                'touch_count': 'touch_count',
                'mql_anchor': 'mql_anchor_position',
                'opportunity_anchor': 'opportunity_anchor_position',
                'decay_weight': 'decay_weight',
                'decay_weight_total': 'decay_weight_total',
            }) }} as credit_{{ model }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from decay_totals
)

select * from final
