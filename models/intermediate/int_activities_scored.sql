-- One row per activity, scored under the MQL definition version in force on
-- the activity's date, or under the latest version for all history when var
-- mql_restate_with_latest_version is true. Unknown activity types score 0 and
-- are not hand-raises. The rule itself is macros/funnel/mql_rule.sql.
{{ lead_replace_config(lead_watermark='activity_at') }}
with

activities as (
    select * from {{ ref('stg_crm__lead_activities') }}
    {{- incremental_lead_filter() }}
),

definition_versions as (
    select * from {{ ref('mql_definition_versions') }}
),

scoring_rules as (
    select * from {{ ref('mql_scoring_rules') }}
),

{{ mql_scored_activities_ctes(
    'activities', 'definition_versions', 'scoring_rules',
    basis='latest' if var('mql_restate_with_latest_version') else 'in_force'
) }},

final as (
    select * from activities_scored
)

select * from final
