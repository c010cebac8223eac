{#-
    The incremental MQL models were built under the definition versions the
    seeds give now. A lead-keyed incremental model recomputes only the leads
    whose data changed (docs/nightly.md), so a new definition version added to
    the seeds and built with a plain `dbt build` leaves every other lead scored
    under the old versions: int_lead_mql_by_definition (and the impact preview
    built on it) mixes two definition sets without a failure. scripts/nightly.py
    rebuilds in full after any seed change; a build by hand must use
    --full-refresh. Checked on the latest version each lead was scored under
    (one distinct value when the build is current).
-#}
{%- set stale_sql -%}
with

mql_by_definition as (
    select * from {{ ref('int_lead_mql_by_definition') }}
),

definition_versions as (
    select * from {{ ref('mql_definition_versions') }}
),

latest_definition as (
    select max(version) as seeds_latest_version
    from definition_versions
),

built_versions as (
    select
        latest_version as built_latest_version,
        count(*) as lead_count
    from mql_by_definition
    group by latest_version
),

final as (
    select
        built_versions.built_latest_version,
        latest_definition.seeds_latest_version,
        built_versions.lead_count
    from built_versions
    cross join latest_definition
    where built_versions.built_latest_version <> latest_definition.seeds_latest_version
)

select * from final
{%- endset -%}

{% call(row) raise_listing_rows(
    stale_sql,
    'built_latest_version',
    'The MQL models were built under other definition versions than the seeds give now: {rows}. '
    ~ 'A definition seed changed since they were built, and a plain dbt build recomputes only the leads '
    ~ 'whose data changed: rebuild with dbt build --full-refresh (scripts/nightly.py does so itself after '
    ~ 'a seed change; docs/governance.md).'
) -%}
    {{ row[2] }} leads of int_lead_mql_by_definition scored when v{{ row[0] }} was the latest (the seeds' latest is v{{ row[1] }})
{%- endcall %}

{{ stale_sql }}
