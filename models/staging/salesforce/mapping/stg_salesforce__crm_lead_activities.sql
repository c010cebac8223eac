-- Activities of funnel people, from three Salesforce records:
-- * every Task and Event whose WhoId is a funnel person (stg_salesforce__crm_person_keys: on a
--   contact several leads were converted into, the lead in force at the time), at its CreatedDate;
--   type from seed task_type_map on Type (no Type, or a Type the seed does not map: `other_activity`,
--   which scores no points); a WhatId that is a Campaign makes it a touch of that campaign;
-- * every CampaignMember that responded (HasResponded): at CreatedDate when FirstRespondedDate is
--   empty or the same reporting-time day, else at FirstRespondedDate 00:00 reporting time; type from
--   seed campaign_member_status_map on (the campaign's Type, Status), a row with an empty
--   campaign_type applying to every Type, else `other_activity`. A member that has not responded is
--   no touch. Its person is the lead's, else the contact's in force at the response.
-- The fallback is a type of seed mql_scoring_rules (0 points), so it is no unknown type.
{%- set fallback_type = 'other_activity' %}
with

tasks as (
    select * from {{ ref('stg_salesforce__task') }}
),

events as (
    select * from {{ ref('stg_salesforce__event') }}
),

members as (
    select * from {{ ref('stg_salesforce__campaign_member') }}
),

campaigns as (
    select * from {{ ref('stg_salesforce__campaign') }}
),

person_keys as (
    select * from {{ ref('stg_salesforce__crm_person_keys') }}
),

task_types as (
    select * from {{ ref('task_type_map') }}
),

member_statuses as (
    select * from {{ ref('campaign_member_status_map') }}
),

logged as (
    select
        task_id as activity_id,
        'task' as source_object,
        who_id,
        what_id,
        task_type as source_type,
        created_at
    from tasks
    union all
    select
        event_id as activity_id,
        'event' as source_object,
        who_id,
        what_id,
        event_type as source_type,
        created_at
    from events
),

logged_activities as (
    select
        logged.activity_id,
        person_keys.person_id as lead_id,
        logged.created_at as activity_at,
        coalesce(task_types.activity_type, '{{ fallback_type }}') as activity_type,
        campaigns.campaign_id,
        logged.source_object,
        logged.source_type,
        logged.source_type is null or task_types.activity_type is not null as is_type_mapped
    from logged
    inner join person_keys
        on {{ salesforce_id15('logged.who_id') }} = person_keys.record_id15
            and {{ person_key_in_force('person_keys', 'logged.created_at') }}
    left join campaigns
        on {{ salesforce_id15('logged.what_id') }} = {{ salesforce_id15('campaigns.campaign_id') }}
    left join task_types
        on logged.source_type = task_types.task_type
),

responded as (
    select
        members.campaign_member_id as activity_id,
        members.lead_id,
        members.contact_id,
        case
            when members.first_responded_date is null
                or members.first_responded_date = cast(members.created_at as date)
                then members.created_at
            else cast(members.first_responded_date as {{ dbt.type_timestamp() }})
        end as activity_at,
        campaigns.campaign_id,
        campaigns.campaign_type,
        members.member_status
    from members
    inner join campaigns
        on {{ salesforce_id15('members.campaign_id') }} = {{ salesforce_id15('campaigns.campaign_id') }}
    where members.has_responded
),

responses as (
    select
        responded.activity_id,
        coalesce(lead_keys.person_id, contact_keys.person_id) as lead_id,
        responded.activity_at,
        responded.campaign_id,
        responded.campaign_type,
        responded.member_status
    from responded
    left join person_keys as lead_keys
        on {{ salesforce_id15('responded.lead_id') }} = lead_keys.record_id15
            and {{ person_key_in_force('lead_keys', 'responded.activity_at') }}
    left join person_keys as contact_keys
        on {{ salesforce_id15('responded.contact_id') }} = contact_keys.record_id15
            and {{ person_key_in_force('contact_keys', 'responded.activity_at') }}
    where coalesce(lead_keys.person_id, contact_keys.person_id) is not null
),

response_activities as (
    select
        responses.activity_id,
        responses.lead_id,
        responses.activity_at,
        coalesce(typed_statuses.activity_type, any_type_statuses.activity_type, '{{ fallback_type }}')
            as activity_type,
        responses.campaign_id,
        'campaign_member' as source_object,
        responses.member_status as source_type,
        responses.member_status is null
        or coalesce(typed_statuses.activity_type, any_type_statuses.activity_type) is not null
            as is_type_mapped
    from responses
    left join member_statuses as typed_statuses
        on responses.campaign_type = typed_statuses.campaign_type
            and responses.member_status = typed_statuses.member_status
    left join member_statuses as any_type_statuses
        on any_type_statuses.campaign_type is null
            and responses.member_status = any_type_statuses.member_status
),

final as (
    select * from logged_activities
    union all
    select * from response_activities
)

select * from final
