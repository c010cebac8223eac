{#-
    BI access (docs/engines.md). On PostgreSQL the BI role (env REVOPS_BI_ROLE,
    default bi_reader) may read the marts and nothing else: dbt's `grants`
    config on the marts folder (dbt_project.yml) grants select on each mart,
    and this post-hook lets the role into schema marts. raw, staging,
    intermediate and seeds get no grant. Other engines get nothing here.
-#}
{% macro bi_reader_role() -%}
    {{ return(env_var('REVOPS_BI_ROLE', 'bi_reader')) }}
{%- endmacro %}

{#-
    Models build in parallel threads, and two concurrent GRANTs on one schema
    fail ("tuple concurrently updated"), so each takes a transaction-level
    advisory lock first; it is released when the model's transaction commits.
-#}
{% macro grant_bi_schema_usage() -%}
    {%- if target.type == 'postgres' -%}
        select pg_advisory_xact_lock(hashtext('revops_funnel.grant_bi_schema_usage'));
        grant usage on schema {{ adapter.quote(this.schema) }} to {{ adapter.quote(bi_reader_role()) }}
    {%- endif -%}
{%- endmacro %}
