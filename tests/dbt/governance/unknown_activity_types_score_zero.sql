{{ config(severity='warn', store_failures=true) }}
-- Activity types that the scoring rules of the activity's own definition
-- version do not list: they score 0 and are no hand-raise. One row per version
-- and type, with how many activities and leads have it and when it was first
-- and last seen, so the Ops team can decide (an unmapped picklist label such as
-- ウェビナー視聴, or a type listed in one version and left out of the next). The
-- rows stay in dbt_test__audit.unknown_activity_types_score_zero, which dbt's
-- warning names. Warn: listing a type with 0 points in mql_scoring_rules is the
-- decision that it scores nothing.
with

activities_scored as (
    select * from {{ ref('int_activities_scored') }}
),

unknown_types as (
    select
        definition_version,
        activity_type,
        count(*) as activity_count,
        count(distinct lead_id) as lead_count,
        min(activity_at) as first_activity_at,
        max(activity_at) as last_activity_at
    from activities_scored
    where not is_known_type
    group by definition_version, activity_type
),

final as (
    select * from unknown_types
)

select * from final
