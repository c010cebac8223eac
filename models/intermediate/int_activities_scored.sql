-- One row per activity, scored under the MQL definition version in force on
-- the activity's date, or under the latest version for all history when var
-- mql_restate_with_latest_version is true. Unknown activity types score 0 and
-- are not hand-raises. The rule itself is macros/funnel/mql_rule.sql.
-- The stage registry is a parent (read by no column) so that its agreement tests
-- (every_mql_definition_version_is_agreed, agreed_mql_definitions_are_unchanged)
-- gate the funnel: dbt build skips this model and everything downstream when a
-- version is unagreed or was edited after its agreement, as it does for the
-- definition seeds' own tests. The preview build leaves those tests out
-- (docs/governance.md, step 2).
-- depends_on: {{ ref('stage_definition_registry') }}
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
