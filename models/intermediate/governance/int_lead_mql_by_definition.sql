-- One row per lead that is an MQL by the scoring rule under either basis: the
-- definition versions in force on each activity's date, or the latest version
-- for all history. Independent of var mql_restate_with_latest_version, so the
-- Ops team sees what publishing or restating a version would change before
-- it is agreed. The rule itself is macros/funnel/mql_rule.sql. Lead-keyed
-- and incremental (docs/nightly.md): a night recomputes only the affected
-- leads. A new definition version is a seed change, which makes
-- scripts/nightly.py rebuild it in full (latest_version, the latest basis).
{{ config(
    materialized=lead_incremental_materialization(),
    incremental_strategy='lead_replace',
    unique_key='lead_id',
    on_schema_change='fail',
    lead_watermark='coalesce(in_force_mql_at, latest_version_mql_at)',
    pre_hook="{{ lead_replace_lead_set() }}",
) }}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
    {{- incremental_lead_filter() }}
),

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
    'activities', 'definition_versions', 'scoring_rules', basis='in_force', prefix='in_force_'
) }},

{{ mql_recorded_ctes('in_force_activities_scored', prefix='in_force_') }},

{{ mql_scored_activities_ctes(
    'activities', 'definition_versions', 'scoring_rules', basis='latest', prefix='latest_'
) }},

{{ mql_recorded_ctes('latest_activities_scored', prefix='latest_') }},

latest_definition as (
    select max(version) as latest_version
    from definition_versions
),

final as (
    select
        leads.lead_id,
        leads.business_unit,
        in_force_mql_recorded.mql_recorded_at as in_force_mql_at,
        latest_mql_recorded.mql_recorded_at as latest_version_mql_at,
        latest_definition.latest_version
    from leads
    left join in_force_mql_recorded
        on leads.lead_id = in_force_mql_recorded.lead_id
    left join latest_mql_recorded
        on leads.lead_id = latest_mql_recorded.lead_id
    cross join latest_definition
    where in_force_mql_recorded.mql_recorded_at is not null
        or latest_mql_recorded.mql_recorded_at is not null
)

select * from final
