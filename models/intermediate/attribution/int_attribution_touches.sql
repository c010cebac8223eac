-- One row per campaign touch of a lead: every activity that carries a
-- campaign, plus the lead's source campaign when it touched the lead
-- (stg_crm__leads.source_touch_at: the lead's creation in the CSV contract;
-- in Salesforce the membership's creation). The source touch is left out when
-- an activity of the same campaign at exactly that time already records it
-- (the creating form or booth visit).
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
        activity_at as touch_at,
        false as is_source_touch
    from activities
    where campaign_id is not null
),

source_touches as (
    select
        leads.lead_id,
        cast(null as {{ dbt.type_string() }}) as activity_id,
        leads.source_campaign_id as campaign_id,
        leads.source_touch_at as touch_at,
        true as is_source_touch
    from leads
    left join activity_touches
        on leads.lead_id = activity_touches.lead_id
            and leads.source_campaign_id = activity_touches.campaign_id
            and leads.source_touch_at = activity_touches.touch_at
    where leads.source_campaign_id is not null
        and activity_touches.lead_id is null
),

final as (
    select * from activity_touches
    union all
    select * from source_touches
)

select * from final
