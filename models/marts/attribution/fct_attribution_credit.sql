-- Multi-touch attribution credit: one row per lead x stage (mql .. renewed) x
-- attribution model x campaign with credit. A campaign's credit is the sum of
-- its touches' credits; a campaign has a row when one of its touches has
-- credit > 0 (campaigns whose touches all got 0, under first/last touch, have
-- none). Credits of one lead x stage x model sum to 1, and credited_won_amount
-- to the lead's won amount (tests). A lead x stage without a touch in the
-- lookback window is credited to campaign `no_touch`.
{{ lead_replace_config(lead_watermark='last_touch_at') }}
{#- Only time-decay weights can fall below the exact sum's resolution (5e-25): a position-based or linear
    credit is at least 1 / (touches of a lead x stage). The double sums are taken for those models alone. -#}
{%- set underflowing_models = ['time_decay'] %}
with

touch_credits as (
    select * from {{ ref('int_attribution_touch_credits') }}
    {{- incremental_lead_filter() }}
),

-- One pass over the touches: per lead x stage x campaign, every model's
-- credit (summed as exact decimals: the same in every build, whatever order
-- the engine adds them in; time decay's also summed as doubles, for a campaign
-- whose credits are all too small for the decimals) and its credited touches
-- (credit > 0).
campaign_credits as (
    select
        lead_id,
        business_unit,
        source_campaign_id,
        stage,
        stage_order,
        stage_entered_at,
        won_amount,
        campaign_id,
        {%- for model in attribution_models() %}
            sum({{ attribution_exact('credit_' ~ model) }}) as credit_sum_{{ model }},
            {%- if model in underflowing_models %}
                sum(credit_{{ model }}) as credit_double_sum_{{ model }},
            {%- endif %}
            count(case when credit_{{ model }} > 0 then touch_at end) as credited_touches_{{ model }},
            min(case when credit_{{ model }} > 0 then touch_at end) as first_touch_at_{{ model }},
            max(case when credit_{{ model }} > 0 then touch_at end) as last_touch_at_{{ model }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from touch_credits
    group by
        lead_id,
        business_unit,
        source_campaign_id,
        stage,
        stage_order,
        stage_entered_at,
        won_amount,
        campaign_id
),

-- One row per model with credit: a credited touch, or the no-touch row (the
-- aggregated rows are few: a union is cheap). Every credit of a campaign below
-- 5e-25 (a time-decay touch long before the latest) rounds to 0 in the exact
-- sum: it then keeps the sum of the doubles, > 0.
model_credits as (
    {%- for model in attribution_models() %}
        select
            lead_id,
            business_unit,
            source_campaign_id,
            stage,
            stage_order,
            stage_entered_at,
            won_amount,
            '{{ model }}' as attribution_model,
            campaign_id,
            {%- if model in underflowing_models %}
                case
                    when credit_sum_{{ model }} > 0 then cast(credit_sum_{{ model }} as {{ type_ratio() }})
                    else cast(credit_double_sum_{{ model }} as {{ type_ratio() }})
                end as credit,
            {%- else %}
                cast(credit_sum_{{ model }} as {{ type_ratio() }}) as credit,
            {%- endif %}
            credited_touches_{{ model }} as credited_touches,
            first_touch_at_{{ model }} as first_touch_at,
            last_touch_at_{{ model }} as last_touch_at
        from campaign_credits
        where credit_sum_{{ model }} > 0 or credited_touches_{{ model }} > 0
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        lead_id,
        stage,
        attribution_model,
        campaign_id,
        business_unit,
        cast(stage_order as integer) as stage_order,
        stage_entered_at,
        cast({{ fiscal_year("stage_entered_at") }} as integer) as fiscal_year,
        {{ fiscal_half('stage_entered_at') }} as fiscal_half,
        coalesce(campaign_id = source_campaign_id, false) as is_source_campaign,
        credit,
        cast(credit * won_amount as {{ type_ratio() }}) as credited_won_amount,
        cast(credited_touches as {{ dbt.type_bigint() }}) as credited_touches,
        first_touch_at,
        last_touch_at
    from model_credits
)

select * from final
