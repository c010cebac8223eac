{#-
    The shape shared by the nightly job's two ledgers of leads, one row per
    lead a lead_replace model rewrote, keyed by `key_column`:
      * dbt_untested_leads (untested_leads.sql): by model_id, the leads whose
        data tests have not yet passed;
      * dbt_unpublished_leads (unpublished_leads.sql): by relation_name, the
        leads a mart rewrote since the last publication.
    Each run adds a marker row (lead_id null; full_rebuild true when the run
    rebuilt the whole table, which also drops the key's earlier rows).
-#}

{#- The ledger `identifier` in the target schema. Not on Spark (no such relation there). -#}
{% macro lead_ledger_relation(identifier) -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier=identifier)) }}
{%- endmacro %}

{#-
    on-run-start: the ledger, if missing (not on Spark, whose lead models are
    always rebuilt, and whose relations take no database). Run and committed
    here: dbt runs the project's hooks in a transaction it may roll back.
-#}
{% macro create_lead_ledger(identifier, key_column) -%}
    {%- if execute and target.type != 'spark' -%}
        {%- set relation = lead_ledger_relation(identifier) -%}
        {%- do adapter.create_schema(relation) -%}
        {%- call statement('create_lead_ledger', auto_begin=true) -%}
    create table if not exists {{ relation }} (
        {{ key_column }} {{ dbt.type_string() }},
        invocation_id {{ dbt.type_string() }},
        lead_id {{ dbt.type_string() }},
        full_rebuild {{ dbt.type_boolean() }}
    )
        {%- endcall -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
{%- endmacro %}

{#-
    SQL for a model's pre-hook: an incremental run adds its affected leads
    (`leads`, a relation or subquery with a lead_id column; by default the
    temporary table a lead_replace model's pre-hook lead_replace_lead_set has
    just made) and a marker under `key`; a full build replaces the key's rows
    with a full-rebuild marker.
-#}
{% macro record_lead_ledger(relation, key_column, key, full_rebuild, leads=none) -%}
    {%- set quoted_key = "'" ~ key ~ "'" -%}
    {%- set invocation = "'" ~ invocation_id ~ "'" -%}
    {%- if full_rebuild %}
    delete from {{ relation }} where {{ key_column }} = {{ quoted_key }};
    insert into {{ relation }} ({{ key_column }}, invocation_id, lead_id, full_rebuild)
    values ({{ quoted_key }}, {{ invocation }}, null, true);
    {%- else %}
    insert into {{ relation }} ({{ key_column }}, invocation_id, lead_id, full_rebuild)
    select {{ quoted_key }}, {{ invocation }}, cast(null as {{ dbt.type_string() }}), false
    union all
    select {{ quoted_key }}, {{ invocation }}, lead_set.lead_id, false
    from {{ leads if leads is not none else lead_replace_lead_set_relation() }} as lead_set;
    {%- endif %}
{%- endmacro %}
