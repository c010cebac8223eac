{#-
    Incremental builds of the models keyed by lead (docs/nightly.md).

    A model opts in with

        {{ lead_replace_config(lead_watermark='<a time column of the model>') }}

    and filters its driving import CTE with {{ incremental_lead_filter() }}.

    On an incremental run the model recomputes exactly the affected leads and
    replaces all their rows (delete + insert, so a lead whose rows vanish, e.g.
    one that no longer qualifies, loses its old rows). Affected leads:
      * every lead with an event of int_funnel_events (creation, update,
        activity, status change, opportunity created or closed, deal or
        renewal signed) at or after the model's
        watermark minus var('incremental_lookback_days'); the watermark is the
        latest `lead_watermark` value already in the model's table, i.e. the
        data of its last build. Read from int_lead_latest_changes (each lead's
        latest event, worked out once per run);
      * every lead in the loader's change log (source loader.load_changed_leads
        through stg_loader__changed_leads; written by `scripts/load.py`, an
        upsert or a full load that could compare, and cleared by
        scripts/nightly.py after a successful build),
        which covers late rows, corrected rows and deletes exactly;
      * for a model that judges its rows against the as-of instant (config
        as_of_judgement={'flag': <boolean column>, 'due_at': <time column>},
        the flag being `due_at <= int_as_of.as_of_at`): every lead with a row
        in the model's table whose flag the current as-of instant would set
        otherwise (a forward window that has elapsed since the last build),
        and, with 'every_night_while_false': true, every lead with a row whose
        stored flag is false (rows that depend on the as-of instant itself
        until the flag holds, e.g. a span cut at it). Such a model refs
        int_as_of itself (a `-- depends_on:` comment will do);
      * for a model whose rows of some leads depend on other leads' rows
        (config also_recompute={'model': <a parent model>, 'where': <a
        condition on its rows, which it names `dependent_rows`>}): every lead
        of the parent's rows that meet the condition, on every run
        (int_account_lead_companies: a lead without a domain takes the one
        domain of its company name, which any other lead of that name can
        change). The model refs that parent itself: the ref here is taken
        only on incremental runs;
      * for a model that copies columns of a lookup that is no lead's event
        (config stored_lookup={'model': <the lookup model>, 'key': [<the
        model's column>, <the lookup's key>], 'columns': {<the model's
        column>: <the lookup's column>, ...}}): every lead with a row in the
        model's table whose copied columns differ from the lookup's current
        row for its key (int_handoff_sla: the responding owner's name and
        team, edited in the CRM without any lead changing). The model refs
        the lookup itself.
    On the nightly job's incremental night of the CSV contract whose change
    log names every changed lead (scripts/nightly.py sets
    REVOPS_AFFECTED_LEADS_FROM_CHANGE_LOG=1), the log names every lead whose
    rows changed since the last successful build, so the first set is left
    out: the affected leads are the logged ones, the judged ones, the
    dependent ones (also_recompute) and the ones with a stale lookup
    (stored_lookup) (DECISIONLOG.md D30). What that relies on: only the loader writes raw.
    Only the CSV contract's loads log leads (an upsert the leads it changed, a
    full load the leads whose rows differ from the ones it replaced; a first
    load logs one row without a lead); for any other crm_source (Salesforce)
    every lead is recomputed: every
    lead with an event, and every lead with rows in the model's table (one
    deleted in the other system since has no events, and loses its rows).
    incremental_lead_ids() lists both. A full refresh (`--full-refresh`, a new
    model, or scripts/nightly.py after a code, seed or var change) rebuilds
    everything.

    The delete and the model's filter read the same set: the pre-hook
    lead_replace_lead_set() computes it once, into a temporary table, before
    the model's query and the delete run. (Written inline as a subquery in
    each, DuckDB estimated the set as large as the events it is drawn from and
    hashed the whole activities table against it: 4-5 s a model at 1M leads
    instead of about 1.4 s.)

    Spark: dbt-spark accepts only its built-in strategies, and plain parquet
    tables cannot delete rows, so there these models are tables, rebuilt each
    run (lead_incremental_materialization()).
-#}

{% macro lead_incremental_materialization() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{#-
    SQL: the lead_ids to recompute on an incremental run of the current model:
    the leads changed since the cutoff (a lead whose latest event in
    int_funnel_events, record edits included, is at or after the model's
    watermark minus the lookback: int_lead_latest_changes) and the leads in
    the loader's change log (stg_loader__changed_leads).
-#}
{% macro incremental_lead_ids() -%}
    {%- set watermark = config.get('lead_watermark') -%}
    {%- if not watermark -%}
        {{ exceptions.raise_compiler_error("lead_replace models must set config lead_watermark") }}
    {%- endif -%}
    {%- set earliest = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- set judgement = config.get('as_of_judgement') -%}
    {%- set also_recompute = config.get('also_recompute') -%}
    {%- set stored_lookup = config.get('stored_lookup') -%}
    {%- set from_change_log = env_var('REVOPS_AFFECTED_LEADS_FROM_CHANGE_LOG', '') == '1' -%}
    {%- if from_change_log -%}
        {{ assert_change_log_names_every_lead() }}
    {%- endif %}
    with

    {% if not from_change_log -%}
    cutoff as (
        select
            {{ dbt.dateadd(
                'day',
                -1 * var('incremental_lookback_days'),
                'coalesce(max(' ~ watermark ~ '), ' ~ earliest ~ ')',
            ) }} as cutoff_at
        from {{ this }}
    ),

    latest_changes as (
        select * from {{ ref('int_lead_latest_changes') }}
    ),

    {% endif -%}
    change_log as (
        select * from {{ ref('stg_loader__changed_leads') }}
    ){%- if judgement %},

    as_of as (
        select * from {{ ref('int_as_of') }}
    ),

    judged_rows as (
        select * from {{ this }}
    )
    {%- endif %}

    {% if not from_change_log -%}
    select latest_changes.lead_id
    from latest_changes
    cross join cutoff
    {#- Only the CSV contract's loads log leads. Another system (Salesforce, loaded in full each
        night) recomputes every lead: a changed record need not carry a new event. -#}
    {%- if crm_source() == 'contract' %}
    where latest_changes.last_changed_at >= cutoff.cutoff_at
    {%- endif %}
    union
    {% endif -%}
    select change_log.lead_id
    from change_log
    {%- if crm_source() != 'contract' %}
    {#- A lead deleted or merged away in the other system has no events left to be found by: its stored
        rows are recomputed too, i.e. deleted. #}
    union
    select stored_leads.lead_id
    from {{ this }} as stored_leads
    {%- endif %}
    {%- if judgement %}
    union
    select judged_rows.lead_id
    from judged_rows
    cross join as_of
    where judged_rows.{{ judgement['flag'] }}
        is distinct from (judged_rows.{{ judgement['due_at'] }} <= as_of.as_of_at)
        {%- if judgement.get('every_night_while_false') %}
        or not judged_rows.{{ judgement['flag'] }}
        {%- endif %}
    {%- endif %}
    {%- if also_recompute %}
    union
    select dependent_rows.lead_id
    from {{ ref(also_recompute['model']) }} as dependent_rows
    where {{ also_recompute['where'] }}
    {%- endif %}
    {%- if stored_lookup %}
    union
    {{ stale_lookup_keys('lead_id', stored_lookup) }}
    {%- endif %}
{%- endmacro %}

{#-
    SQL: the `key` of every row of the model's table whose columns copied from a lookup (config
    stored_lookup, see incremental_lead_ids()) differ from the lookup's current row for its key. Shared
    by the lead_replace and opportunity_replace models.
-#}
{% macro stale_lookup_keys(key, stored_lookup) -%}
    select stored_rows.{{ key }}
    from {{ this }} as stored_rows
    left join {{ ref(stored_lookup['model']) }} as lookup_rows
        on stored_rows.{{ stored_lookup['key'][0] }} = lookup_rows.{{ stored_lookup['key'][1] }}
    where
        {%- for stored, looked_up in stored_lookup['columns'].items() %}
        {{ 'or ' if not loop.first }}stored_rows.{{ stored }} is distinct from lookup_rows.{{ looked_up }}
        {%- endfor %}
{%- endmacro %}

{#-
    The guard of REVOPS_AFFECTED_LEADS_FROM_CHANGE_LOG: another crm_source than the CSV contract, or a
    change log that holds a load's row without a lead (or no change log), does not name every changed
    lead, and
    int_lead_latest_changes, left out of such a night, may be stale. Stop rather than recompute too few
    leads.
-#}
{% macro assert_change_log_names_every_lead() -%}
    {%- if crm_source() != 'contract' -%}
        {{ exceptions.raise_compiler_error(
            "REVOPS_AFFECTED_LEADS_FROM_CHANGE_LOG=1 says the loader's change log names every changed lead, but"
            ~ " var crm_source is " ~ crm_source() ~ ", whose loads log none: " ~ this
            ~ " would recompute too few leads. Build without it.") }}
    {%- endif -%}
    {%- set change_log = loader_change_log_relation() -%}
    {%- set full_loads = run_query('select count(*) from ' ~ change_log ~ ' where lead_id is null')
        if change_log is not none else none -%}
    {%- if change_log is none or full_loads.rows[0][0] > 0 -%}
        {{ exceptions.raise_compiler_error(
            "REVOPS_AFFECTED_LEADS_FROM_CHANGE_LOG=1 says the loader's change log names every changed lead, but "
            ~ ("there is no change log" if change_log is none
                else change_log ~ " holds a load that named no lead (every lead counts as changed)")
            ~ ": " ~ this ~ " would recompute too few leads. Build without it (scripts/nightly.py sets it"
            ~ " only when every load since the last build named its leads).") }}
    {%- endif -%}
{%- endmacro %}

{#-
    A where clause for the model's driving import CTE: on an incremental run,
    only the affected leads; otherwise nothing. The two refs of
    incremental_lead_ids() are taken on every parse, so the DAG shows what an
    incremental run really reads (int_lead_latest_changes and the change log)
    and nothing else.
-#}
{% macro incremental_lead_filter(column='lead_id') -%}
    {#- unit tests give their own inputs and always build the whole model -#}
    {%- if model.resource_type != 'unit_test' -%}
        {%- set latest_changes = ref('int_lead_latest_changes') -%}
        {%- set change_log = ref('stg_loader__changed_leads') -%}
        {%- if is_incremental() %}
    where {{ column }} in (select lead_id from {{ lead_replace_lead_set_relation() }})
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
    where {{ key }} in (select lead_id from {{ lead_replace_lead_set_relation() }});

    insert into {{ target_relation }} ({{ columns }})
    select {{ columns }}
    from {{ temp_relation }}
{%- endmacro %}

{#-
    The pre-hook of every lead_replace model: on an incremental run, the lead_ids
    to recompute (incremental_lead_ids()) into a temporary table of the run's
    connection, which the model's filter and the delete then read. Either way
    it records the leads its tests must read (record_untested_leads,
    untested_leads.sql) and, for a mart, the leads its next publication must
    patch (record_unpublished_leads, unpublished_leads.sql). Plain SQL (DuckDB, PostgreSQL); nothing on Spark,
    where these models are tables and never incremental.
-#}
{% macro lead_replace_lead_set() -%}
    {%- if target.type == 'spark' -%}
    {%- elif is_incremental() -%}
    drop table if exists {{ lead_replace_lead_set_relation() }};
    create temporary table {{ lead_replace_lead_set_relation() }} as
    {{ incremental_lead_ids() }};
    {{ record_untested_leads(full_rebuild=false) }}
    {{ record_unpublished_leads(full_rebuild=false) }}
    {%- else -%}
    {{ record_untested_leads(full_rebuild=true) }}
    {{ record_unpublished_leads(full_rebuild=true) }}
    {%- endif -%}
{%- endmacro %}

{#- The name of the model's temporary table of affected leads. -#}
{% macro lead_replace_lead_set_relation() -%}
    {{ adapter.quote(this.identifier ~ '__lead_set') }}
{%- endmacro %}

{#-
    The configuration of every lead_replace model, in one place: incremental (a table on Spark),
    strategy lead_replace keyed on lead_id, failing on a schema change, with the pre-hook that takes
    the affected leads. `lead_watermark`: a time column of the model (its latest value minus the
    lookback is the cutoff of incremental_lead_ids()); `as_of_judgement`, `also_recompute` and
    `stored_lookup`: see incremental_lead_ids(). A model calls it where it would call config().
-#}
{% macro lead_replace_config(lead_watermark, as_of_judgement=none, also_recompute=none, stored_lookup=none) -%}
    {%- do key_replace_config('lead_replace', 'lead_id', "{{ lead_replace_lead_set() }}", {
        'lead_watermark': lead_watermark,
        'as_of_judgement': as_of_judgement,
        'also_recompute': also_recompute,
        'stored_lookup': stored_lookup,
    }) -%}
{%- endmacro %}

{#-
    What every model that replaces the rows of the keys it recomputes shares (lead_replace here,
    opportunity_replace in macros/pipeline/opportunity_incremental.sql): incremental (a table on Spark),
    the strategy keyed on `key`, failing on a schema change, the pre-hook that takes the keys to
    recompute, and the strategy's own settings.
-#}
{% macro key_replace_config(strategy, key, pre_hook, settings) -%}
    {%- set merged = {
        'materialized': lead_incremental_materialization(),
        'incremental_strategy': strategy,
        'unique_key': key,
        'on_schema_change': 'fail',
        'pre_hook': pre_hook,
    } -%}
    {%- do merged.update(settings) -%}
    {%- do config(merged) -%}
{%- endmacro %}
