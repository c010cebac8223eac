{#-
    on-run-start check: `dbt build` / `dbt run` on a warehouse where nothing
    was loaded fails once, saying what to do, instead of one catalog error per
    staging model. The loader writes raw.load_metadata in the same transaction
    as every raw table, so its absence means no load has completed.

    It also fails once when var crm_source names another source system than the
    latest load's (raw.load_metadata.crm_source, revops.loadmeta): the staging
    models would read the other system's tables, which are not there. One query
    (`select *`, so a warehouse an older loader wrote, without the column, is not
    checked rather than failed); plain SQL, so PostgreSQL and Spark run it too.
-#}
{% macro assert_raw_loaded() %}
    {%- if execute and flags.WHICH in ['build', 'run'] -%}
        {%- set metadata = graph.sources.values() | selectattr('source_name', 'equalto', 'loader')
            | selectattr('name', 'equalto', 'load_metadata') | list -%}
        {%- if metadata -%}
            {%- set node = metadata[0] -%}
            {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) -%}
            {%- if relation is none -%}
                {{ exceptions.raise_compiler_error(
                    "Nothing is loaded in this warehouse (" ~ target.type ~ ": no " ~ node.schema ~ "." ~ node.identifier
                    ~ "). Run the load first: .venv/bin/python scripts/load.py --raw-dir <export directory> "
                    ~ "(Salesforce objects a connector synced: scripts/load.py --source salesforce --connector; "
                    ~ "or bash scripts/demo.sh for demo data), then dbt build."
                ) }}
            {%- endif -%}
            {{ assert_loaded_source_is_crm_source(relation) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{#- Fails when the latest load (by loaded_at_utc) recorded another source system than var crm_source. -#}
{% macro assert_loaded_source_is_crm_source(relation) %}
    {%- set latest = run_query("select * from " ~ relation ~ " order by loaded_at_utc desc limit 1") -%}
    {%- set names = latest.column_names | map('lower') | list -%}
    {%- if 'crm_source' in names and latest.rows | length > 0 -%}
        {%- set loaded = latest.rows[0][names.index('crm_source')] -%}
        {%- set chosen = var('crm_source', 'contract') -%}
        {%- if loaded is not none and loaded != chosen -%}
            {%- if loaded == 'salesforce' -%}
                {%- set instead = "run dbt " ~ flags.WHICH ~ " --vars '{crm_source: salesforce}' (or set crm_source: salesforce in dbt_project.yml)" -%}
            {%- else -%}
                {%- set instead = "run dbt " ~ flags.WHICH ~ " --vars '{crm_source: " ~ loaded ~ "}', or load the Salesforce objects first "
                    ~ "(scripts/load.py --source salesforce --raw-dir <Data Loader files>, or --connector for a connector's schema)" -%}
            {%- endif -%}
            {{ exceptions.raise_compiler_error(
                "The warehouse holds a " ~ loaded ~ " load, but var crm_source is '" ~ chosen ~ "': " ~ instead ~ "."
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
