-- "A campaign influenced a stage", defined once: per campaign and fiscal half,
-- the leads it touched within the stage's lookback window (a touch with
-- credit, int_attribution_touch_credits) without having created them, counted
-- in the half of the stage's entered time. mart_campaign_attribution shows
-- them as influenced_*.
{%- set stage_columns = attribution_stage_columns() %}
with

touch_credits as (
    select * from {{ ref('int_attribution_touch_credits') }}
),

influencing_touches as (
    select distinct
        lead_id,
        stage,
        campaign_id,
        {{ fiscal_year('stage_entered_at') }} as fiscal_year,
        {{ fiscal_half('stage_entered_at') }} as fiscal_half
    from touch_credits
    where touch_count > 0
        and (source_campaign_id is null or campaign_id <> source_campaign_id)
),

final as (
    select
        campaign_id,
        fiscal_year,
        fiscal_half,
        {%- for stage, label in stage_columns %}
            count(case when stage = '{{ stage }}' then lead_id end) as influenced_{{ label }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from influencing_touches
    group by campaign_id, fiscal_year, fiscal_half
)

select * from final
