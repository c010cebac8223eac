{#-
    Generic tests for the stage definition registry (seeds/governance).

    matches_funnel_stages: the (stage, stage_order) pairs of the model are
        exactly those of funnel_stages() -- no stage missing, none extra, same
        order. Rows: the stage and what is wrong.
    every_version_agreed: every version in `versions` (e.g. the MQL definition
        versions seed) has a row for `stage` in the registry with agreed_by and
        agreed_on filled in, and every registry row for `stage` names a version
        that exists (an agreement for a version never published would show as
        the current definition on docs/definitions.md). Rows: the version and
        the problem.
-#}
{% test matches_funnel_stages(model, stage_column, order_column) %}
{%- set stages = funnel_stages() %}
with

agreed_stages as (
    {%- for stage in stages %}
        select
            '{{ stage }}' as stage,
            {{ loop.index }} as stage_order
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

registry_stages as (
    select distinct
        {{ stage_column }} as stage,
        {{ order_column }} as stage_order
    from {{ model }}
),

missing as (
    select
        agreed_stages.stage,
        agreed_stages.stage_order,
        'missing from the registry' as problem
    from agreed_stages
    left join registry_stages
        on agreed_stages.stage = registry_stages.stage
            and agreed_stages.stage_order = registry_stages.stage_order
    where registry_stages.stage is null
),

extra as (
    select
        registry_stages.stage,
        registry_stages.stage_order,
        'not a funnel stage at this position' as problem
    from registry_stages
    left join agreed_stages
        on registry_stages.stage = agreed_stages.stage
            and registry_stages.stage_order = agreed_stages.stage_order
    where agreed_stages.stage is null
),

final as (
    select * from missing
    union all
    select * from extra
)

select * from final
{% endtest %}

{% test every_version_agreed(model, versions, version_column, stage) %}
with

definition_versions as (
    select {{ version_column }} as version from {{ versions }}
),

agreements as (
    select
        version,
        agreed_by,
        agreed_on
    from {{ model }}
    where stage = '{{ stage }}'
),

unagreed as (
    select
        definition_versions.version,
        'not agreed in the registry' as problem
    from definition_versions
    left join agreements
        on definition_versions.version = agreements.version
    where agreements.version is null
        or agreements.agreed_by is null
        or agreements.agreed_on is null
),

agreed_but_unpublished as (
    select
        agreements.version,
        'agreed in the registry but no such version' as problem
    from agreements
    left join definition_versions
        on agreements.version = definition_versions.version
    where definition_versions.version is null
),

final as (
    select * from unagreed
    union all
    select * from agreed_but_unpublished
)

select * from final
{% endtest %}
