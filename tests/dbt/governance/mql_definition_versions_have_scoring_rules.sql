{{ config(severity='error') }}
-- MQL definition versions (seed mql_definition_versions) without a single
-- scoring rule (seed mql_scoring_rules). Every activity in force under such a
-- version scores 0 and is no hand-raise, so its leads silently stop becoming
-- MQLs. Fails the build, naming the version: add its rules to
-- mql_scoring_rules (docs/governance.md), in the same change as the version.
with

definition_versions as (
    select * from {{ ref('mql_definition_versions') }}
),

scoring_rules as (
    select * from {{ ref('mql_scoring_rules') }}
),

versions_with_rules as (
    select distinct version
    from scoring_rules
),

final as (
    select
        definition_versions.version,
        definition_versions.effective_from,
        definition_versions.effective_to,
        'no scoring rules in mql_scoring_rules' as problem
    from definition_versions
    left join versions_with_rules
        on definition_versions.version = versions_with_rules.version
    where versions_with_rules.version is null
)

select * from final
