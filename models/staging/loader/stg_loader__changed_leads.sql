-- The loader's change log (source loader.load_changed_leads), one row per
-- changed lead; the row without a lead that a load with nothing to compare
-- logs is left out. The table exists once the loader has run (a publication
-- to PostgreSQL or Spark copies it); until then this view is empty, so the
-- incremental models can always read it (macros/nightly/lead_incremental.sql).
{%- set change_log_source = source('loader', 'load_changed_leads') %}
{%- set change_log = adapter.get_relation(
    database=change_log_source.database,
    schema=change_log_source.schema,
    identifier=change_log_source.identifier,
) if execute else none %}
with

{% if change_log is not none -%}
    source as (
        select * from {{ change_log_source }}
    ),
{%- else -%}
    no_change_log as (
        select cast(null as {{ dbt.type_string() }}) as lead_id
    ),
{%- endif %}

final as (
    {%- if change_log is not none %}
        select distinct cast(lead_id as {{ dbt.type_string() }}) as lead_id
        from source
        where lead_id is not null
    {%- else %}
        select lead_id
        from no_change_log
        where lead_id is not null
    {%- endif %}
)

select * from final
