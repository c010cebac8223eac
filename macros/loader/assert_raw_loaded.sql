{#-
    on-run-start check: `dbt build` / `dbt run` on a warehouse where nothing
    was loaded fails once, saying what to do, instead of one catalog error per
    staging model. The loader writes raw.load_metadata in the same transaction
    as every raw table, so its absence means no load has completed.
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
                    ~ "(or bash scripts/demo.sh for demo data), then dbt build."
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
