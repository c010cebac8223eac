{{ config(severity='error', tags=['definition_agreement']) }}
{#-
    An agreed MQL definition version is never edited in place. The registry
    (seeds/governance/stage_definition_registry.csv) records, with who agreed
    to each version and when, the fingerprint of what they agreed to:
    rules_fingerprint, the md5 of the version's threshold, first day and
    scoring rules (activity type, points, hand-raise), as
    `threshold=<n>;from=<YYYY-MM-DD>;rules=<type>:<points>:<h or ->|...`, the
    rules in the order of their own md5 (the same on every engine and
    collation); threshold and points are whole numbers (their seeds' tests), written as
    integers. effective_to is left out: closing a version when the next one
    starts is the normal way to publish a new one.
    A version whose seeds no longer give its recorded fingerprint was changed
    after the agreement (a threshold, a start date, a point value edited in
    place restates history with no new agreement). The build fails and names
    the version, the agreement and both fingerprints: publish the change as a
    new version, or, when the edit itself was agreed, record its agreement
    (agreed_by, agreed_on) and the new fingerprint in the registry.
    Versions without a registry row are every_mql_definition_version_is_agreed's.
-#}
{%- set changed_sql -%}
with

definition_versions as (
    select * from {{ ref('mql_definition_versions') }}
),

scoring_rules as (
    select * from {{ ref('mql_scoring_rules') }}
),

registry as (
    select * from {{ ref('stage_definition_registry') }}
),

rule_texts as (
    select
        version,
        {{ dbt.concat([
            'activity_type',
            "':'",
            'cast(cast(points as ' ~ dbt.type_bigint() ~ ') as ' ~ dbt.type_string() ~ ')',
            "':'",
            "case when is_hand_raise then 'h' else '-' end",
        ]) }} as rule_text
    from scoring_rules
),

version_rules as (
    select
        version,
        {{ sorted_listagg('rule_text', dbt.hash('rule_text'), "'|'") }} as rules_text
    from rule_texts
    group by version
),

fingerprints as (
    select
        definition_versions.version,
        {{ dbt.hash(dbt.concat([
            "'threshold='",
            'cast(cast(definition_versions.threshold as ' ~ dbt.type_bigint() ~ ') as ' ~ dbt.type_string() ~ ')',
            "';from='",
            'cast(definition_versions.effective_from as ' ~ dbt.type_string() ~ ')',
            "';rules='",
            "coalesce(version_rules.rules_text, '')",
        ])) }} as current_fingerprint
    from definition_versions
    left join version_rules
        on definition_versions.version = version_rules.version
),

final as (
    select
        registry.version,
        registry.agreed_on,
        registry.rules_fingerprint as agreed_fingerprint,
        fingerprints.current_fingerprint
    from registry
    inner join fingerprints
        on registry.version = fingerprints.version
    where registry.stage = 'mql'
        and (
            registry.rules_fingerprint is null
            -- null when a part is empty (declared_not_null fails too): never a silent pass
            or fingerprints.current_fingerprint is null
            or registry.rules_fingerprint <> fingerprints.current_fingerprint
        )
)

select * from final
{%- endset -%}

{% call(row) raise_listing_rows(
    changed_sql,
    'version',
    'MQL definition versions changed since they were agreed (threshold, first day or scoring rules '
    ~ 'differ from the fingerprint in seeds/governance/stage_definition_registry.csv): {rows}. '
    ~ 'Publish the change as a new version (docs/governance.md), or, if this edit was agreed, '
    ~ 'record its agreed_by, agreed_on and the new rules_fingerprint in the registry.'
) -%}
    v{{ row[0] }} (agreed on {{ row[1] }}): agreed fingerprint {{ row[2] or '(none recorded)' }}, now
    {{- ' ' ~ (row[3] or '(none: an empty threshold, day or points)') }}
{%- endcall %}

{{ changed_sql }}
