-- One row per activity, scored under the MQL definition version in force on
-- the activity's date. Unknown activity types score 0 and are not hand-raises.
with

activities as (
    select * from {{ ref('stg_crm__lead_activities') }}
),

definition_versions as (
    select * from {{ ref('mql_definition_versions') }}
),

scoring_rules as (
    select * from {{ ref('mql_scoring_rules') }}
),

activities_with_version as (
    select
        activities.activity_id,
        activities.lead_id,
        activities.activity_at,
        activities.activity_type,
        activities.campaign_id,
        definition_versions.version as definition_version,
        definition_versions.threshold as mql_threshold
    from activities
    inner join definition_versions
        on cast(activities.activity_at as date) >= definition_versions.effective_from
            and (
                definition_versions.effective_to is null
                or cast(activities.activity_at as date) <= definition_versions.effective_to
            )
),

final as (
    select
        activities_with_version.activity_id,
        activities_with_version.lead_id,
        activities_with_version.activity_at,
        activities_with_version.activity_type,
        activities_with_version.campaign_id,
        activities_with_version.definition_version,
        activities_with_version.mql_threshold,
        scoring_rules.activity_type is not null as is_known_type,
        coalesce(scoring_rules.points, 0) as points,
        coalesce(scoring_rules.is_hand_raise, false) as is_hand_raise
    from activities_with_version
    left join scoring_rules
        on activities_with_version.definition_version = scoring_rules.version
            and activities_with_version.activity_type = scoring_rules.activity_type
)

select * from final
