{#-
    The leads each public lead_replace mart rewrote since the last publication
    (docs/nightly.md, "Publication").

    The nightly job publishes by patching a copy of the current publication
    (revops.publish.write_publication): a lead-keyed mart built incrementally
    needs only the rows of the leads it rewrote deleted and inserted again;
    every other mart is copied whole.

    The ledger (main schema, dbt_unpublished_leads; shape: lead_ledgers.sql)
    holds, per mart (relation_name): every lead it rewrote since the last
    publication, and a marker row per run.
      * the mart's pre-hook writes it (record_unpublished_leads, called by
        lead_replace_lead_set), for public models (the marts) only;
      * the nightly job deletes the rows it published, once the publication
        is in place. A failed build or publication keeps them, so the next
        publication includes those leads.
-#}

{% macro unpublished_leads_relation() -%}
    {{ return(lead_ledger_relation('dbt_unpublished_leads')) }}
{%- endmacro %}

{#- on-run-start: the ledger, if missing. -#}
{% macro create_unpublished_leads_ledger() -%}
    {%- do create_lead_ledger('dbt_unpublished_leads', 'relation_name') -%}
{%- endmacro %}

{#- Part of a lead_replace model's pre-hook (lead_replace_lead_set): a mart's rewritten leads. -#}
{% macro record_unpublished_leads(full_rebuild) -%}
    {%- if model.access == 'public' -%}
    {{ record_lead_ledger(unpublished_leads_relation(), 'relation_name', this.identifier, full_rebuild) }}
    {%- endif -%}
{%- endmacro %}
