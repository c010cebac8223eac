{#-
    Incremental builds of the models keyed by lead (docs/nightly.md).

    A model opts in with

        {{ config(
            materialized=lead_incremental_materialization(),
            incremental_strategy='lead_replace',
            unique_key='lead_id',
            on_schema_change='fail',
            lead_watermark='<a time column of the model>',
        ) }}

    and filters its driving import CTE with {{ incremental_lead_filter() }}.

    On an incremental run the model recomputes exactly the affected leads and
    replaces all their rows (delete + insert, so a lead whose rows vanish, e.g.
    one that no longer qualifies, loses its old rows). Affected leads:
      * every lead with an event (creation, update, activity, status change,
        opportunity created or closed, deal signed) at or after the model's
        watermark minus var('incremental_lookback_days'); the watermark is the
        latest `lead_watermark` value already in the model's table, i.e. the
        data of its last build;
      * every lead in the loader's change log (raw.load_changed_leads, written
        by `scripts/load.py --mode upsert` and cleared by scripts/nightly.py
        after a successful build), which covers late rows, corrected rows and
        deletes exactly.
    incremental_lead_ids() lists both. A full refresh (`--full-refresh`, a new
    model, or scripts/nightly.py after a code, seed or var change) rebuilds
    everything.

    The delete and the model's filter compute the same set: both read the
    model's table before anything is deleted (the delete's subquery is
    evaluated on the table as it was before the statement).

    Spark: dbt-spark accepts only its built-in strategies, and plain parquet
    tables cannot delete rows, so there these models are tables, rebuilt each
    run (lead_incremental_materialization()).
-#}

{% macro lead_incremental_materialization() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{#- SQL: the lead_ids to recompute on an incremental run of the current model. -#}
{% macro incremental_lead_ids() -%}
    {%- set watermark = config.get('lead_watermark') -%}
    {%- if not watermark -%}
        {{ exceptions.raise_compiler_error("lead_replace models must set config lead_watermark") }}
    {%- endif -%}
    {%- set earliest = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" -%}
    {#- The loader's change log exists for the CSV contract only; other systems rebuild every lead. -#}
    {%- set change_log = none -%}
    {%- if crm_source() == 'contract' -%}
        {%- set raw_leads = source('revops_contract', 'leads') -%}
        {%- set change_log = adapter.get_relation(
            database=raw_leads.database, schema=raw_leads.schema, identifier='load_changed_leads'
        ) -%}
    {%- endif -%}
    with

    cutoff as (
        select
            {{ dbt.dateadd(
                'day',
                -1 * var('incremental_lookback_days'),
                'coalesce(max(' ~ watermark ~ '), ' ~ earliest ~ ')',
            ) }} as cutoff_at
        from {{ this }}
    ),

    leads as (
        select * from {{ ref('stg_crm__leads') }}
    ),

    activities as (
        select * from {{ ref('stg_crm__lead_activities') }}
    ),

    status_changes as (
        select * from {{ ref('stg_crm__lead_status_changes') }}
    ),

    opportunities as (
        select * from {{ ref('stg_crm__opportunities') }}
    ),

    deals as (
        select * from {{ ref('stg_crm__deals') }}
    ),

    recent_deals as (
        select deals.*
        from deals
        cross join cutoff
        where cast(deals.signed_on as {{ dbt.type_timestamp() }}) >= cutoff.cutoff_at
    )

    select leads.lead_id
    from leads
    cross join cutoff
    where leads.lead_created_at >= cutoff.cutoff_at
        or leads.updated_at >= cutoff.cutoff_at
    union
    select activities.lead_id
    from activities
    cross join cutoff
    where activities.activity_at >= cutoff.cutoff_at
    union
    select status_changes.lead_id
    from status_changes
    cross join cutoff
    where status_changes.changed_at >= cutoff.cutoff_at
    union
    select opportunities.lead_id
    from opportunities
    cross join cutoff
    where opportunities.lead_id is not null
        and (opportunities.opportunity_created_at >= cutoff.cutoff_at or opportunities.closed_at >= cutoff.cutoff_at)
    union
    select opportunities.lead_id
    from recent_deals
    inner join opportunities
        on recent_deals.opportunity_id = opportunities.opportunity_id
    where opportunities.lead_id is not null
    union
    select opportunities.lead_id
    from recent_deals
    inner join deals as renewed
        on recent_deals.renewed_from_deal_id = renewed.deal_id
    inner join opportunities
        on renewed.opportunity_id = opportunities.opportunity_id
    where opportunities.lead_id is not null
    {%- if change_log is not none %}
    union
    select change_log.lead_id
    from {{ change_log }} as change_log
    {%- endif %}
{%- endmacro %}

{#-
    A where clause for the model's driving import CTE: on an incremental run,
    only the affected leads; otherwise nothing. The refs are taken on every
    parse so dbt knows the dependencies.
-#}
{% macro incremental_lead_filter(column='lead_id') -%}
    {#- unit tests give their own inputs and always build the whole model -#}
    {%- if model.resource_type != 'unit_test' -%}
        {%- for name in ['stg_crm__leads', 'stg_crm__lead_activities', 'stg_crm__lead_status_changes',
                         'stg_crm__opportunities', 'stg_crm__deals'] -%}
            {%- set relation = ref(name) -%}
        {%- endfor -%}
        {%- if crm_source() == 'contract' -%}
            {%- set raw_leads = source('revops_contract', 'leads') -%}
        {%- endif -%}
        {%- if is_incremental() %}
    where {{ column }} in ({{ incremental_lead_ids() }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#-
    The `lead_replace` incremental strategy: delete every row of the affected
    leads, then insert the recomputed rows. Plain SQL (DuckDB, PostgreSQL).
-#}
{% macro get_incremental_lead_replace_sql(arg_dict) -%}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] or 'lead_id' -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target_relation }}
    where {{ key }} in ({{ incremental_lead_ids() }});

    insert into {{ target_relation }} ({{ columns }})
    select {{ columns }}
    from {{ temp_relation }}
{%- endmacro %}
