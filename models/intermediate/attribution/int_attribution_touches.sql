-- One row per campaign touch of a lead: every activity that carries a
-- campaign, plus the lead's source campaign when it touched the lead
-- (stg_crm__leads.source_touch_at: the lead's creation in the CSV contract;
-- in Salesforce the membership's creation). An activity of the source
-- campaign at exactly that time (the creating form or booth visit) is the
-- source touch (is_source_touch, so it sorts first among touches at that
-- time; the lowest activity_id when there are several), and the separate
-- source touch is then left out.
{{ lead_replace_config(lead_watermark='touch_at') }}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
    {{- incremental_lead_filter() }}
),

activities as (
    select * from {{ ref('stg_crm__lead_activities') }}
    {{- incremental_lead_filter() }}
),

activity_touches as (
    select
        lead_id,
        activity_id,
        campaign_id,
        activity_at as touch_at
    from activities
    where campaign_id is not null
),

-- The activity that records the source touch: same campaign, exactly the source touch time.
source_activities as (
    select
        activity_touches.lead_id,
        min(activity_touches.activity_id) as activity_id
    from activity_touches
    inner join leads
        on activity_touches.lead_id = leads.lead_id
            and activity_touches.campaign_id = leads.source_campaign_id
            and activity_touches.touch_at = leads.source_touch_at
    group by activity_touches.lead_id
),

flagged_activity_touches as (
    select
        activity_touches.lead_id,
        activity_touches.activity_id,
        activity_touches.campaign_id,
        activity_touches.touch_at,
        source_activities.activity_id is not null as is_source_touch
    from activity_touches
    left join source_activities
        on activity_touches.lead_id = source_activities.lead_id
            and activity_touches.activity_id = source_activities.activity_id
),

source_touches as (
    select
        leads.lead_id,
        cast(null as {{ dbt.type_string() }}) as activity_id,
        leads.source_campaign_id as campaign_id,
        leads.source_touch_at as touch_at,
        true as is_source_touch
    from leads
    left join source_activities
        on leads.lead_id = source_activities.lead_id
    where leads.source_campaign_id is not null
        and source_activities.lead_id is null
),

final as (
    select * from flagged_activity_touches
    union all
    select * from source_touches
)

select * from final
