{#-
    Data tests scoped to the leads not yet tested (docs/nightly.md, "Tests
    scoped to the untested leads").

    An incremental run of a lead_replace model rewrites only the affected
    leads' rows; every other row is as it was when the model's tests last all
    passed. A test that judges each lead's rows on their own (a row-level
    test, a key that contains the lead, a sum per lead) can therefore only
    newly fail on rows of leads rewritten since then, and needs to read only
    those.

    The ledger (main schema, dbt_untested_leads) holds, per model: every lead
    it rewrote since its tests last all passed, and a marker row per run
    (lead_id null; full_rebuild true when the run rebuilt the whole table).
      * the model's pre-hook writes it (record_untested_leads, called by
        lead_replace_lead_set);
      * on-run-end clears a model's rows once every data test that reads the
        model has run and passed in the same invocation
        (clear_tested_leads). A failed, warned or skipped test keeps them, so
        the next run tests those leads again;
      * a test is scoped only when the model ran incrementally in this very
        invocation and no full rebuild is pending: after a full rebuild, after
        `dbt test` on its own, and on Spark (no ledger) it reads everything.

    Which tests are scoped: get_where_subquery below (generic tests) and the
    singular tests that call untested_leads_where().

    The staging models over the loader's lead-keyed raw tables take part too
    (loaded_lead_tests_config()), on the nightly job's incremental builds only.
    Their rows change only through the loader, whose change log
    raw.load_changed_leads (revops.loadmeta) names every lead whose rows an
    upsert or a full load changed, and holds a row without a lead after a load
    with nothing to compare (the first, a Salesforce export). Their pre-hook records the logged leads when scripts/nightly.py
    says the project is the one whose tests last all passed (env
    REVOPS_TESTS_READ_CHANGE_LOG=1, set on an incremental night: its
    fingerprint is unchanged) on DuckDB, where the loader writes; otherwise,
    or when the log holds a row without a lead or is missing, a full rebuild.
    A view shows every row under the code of this run, so a `dbt build` by
    hand after a change of a model, a seed or a var reads everything.
-#}

{% macro untested_leads_relation() -%}
    {{ return(lead_ledger_relation('dbt_untested_leads')) }}
{%- endmacro %}

{#- on-run-start: the ledger, if missing (lead_ledgers.sql). -#}
{% macro create_untested_leads_ledger() -%}
    {%- do create_lead_ledger('dbt_untested_leads', 'model_id') -%}
{%- endmacro %}

{#- Part of a lead_replace model's pre-hook (lead_replace_lead_set): its rewritten leads. -#}
{% macro record_untested_leads(full_rebuild) -%}
    {{ record_lead_ledger(untested_leads_relation(), 'model_id', model.unique_id, full_rebuild) }}
{%- endmacro %}

{#- Whether a model (a graph node) keeps rows in the ledger: lead_replace models and the staging models
    that call loaded_lead_tests_config(). -#}
{% macro has_untested_leads(node) -%}
    {{ return(node.config.get('incremental_strategy') == 'lead_replace'
        or node.config.get('untested_leads') == 'change_log') }}
{%- endmacro %}

{#- The config of a staging model over a lead-keyed raw table of the loader: its tests read the rows of
    the leads the loader changed since they last all passed. -#}
{% macro loaded_lead_tests_config() -%}
    {%- do config(untested_leads='change_log', pre_hook="{{ record_loaded_untested_leads() }}") -%}
{%- endmacro %}

{#- The loader's change log, or none where it does not exist. -#}
{% macro loader_change_log_relation() -%}
    {%- for node in graph.sources.values()
        if node.source_name == 'loader' and node.name == 'load_changed_leads' -%}
        {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- The pre-hook of loaded_lead_tests_config(): the leads in the change log, or a full rebuild. The
    environment variable is read as the hook runs, never at parse time (no reparse between nights). -#}
{% macro record_loaded_untested_leads() -%}
    {%- if not execute or target.type == 'spark' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set change_log = loader_change_log_relation() -%}
    {%- set full_rebuild = flags.FULL_REFRESH or target.type != 'duckdb' or change_log is none
        or env_var('REVOPS_TESTS_READ_CHANGE_LOG', '') != '1' -%}
    {%- if not full_rebuild -%}
        {%- set full_loads = run_query('select count(*) from ' ~ change_log ~ ' where lead_id is null') -%}
        {%- set full_rebuild = full_loads.rows[0][0] > 0 -%}
    {%- endif -%}
    {%- set logged -%}
        (select distinct cast(lead_id as {{ dbt.type_string() }}) as lead_id
        from {{ change_log }} where lead_id is not null)
    {%- endset -%}
    {{ record_lead_ledger(untested_leads_relation(), 'model_id', model.unique_id, full_rebuild, leads=logged) }}
{%- endmacro %}

{#-
    The untested leads of `model_ids` (unique ids of models with untested leads) as a
    SQL subquery, or none when the test must read every row: at parse time,
    outside `dbt build` and `dbt test` (compile, docs, sqlfluff), on Spark,
    without a ledger, when a model did not run incrementally in this
    invocation, or when a full rebuild of one is pending.
-#}
{% macro untested_leads_subquery(model_ids) -%}
    {%- if not execute or target.type == 'spark' or not model_ids or flags.WHICH not in ['build', 'test'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set ledger = untested_leads_relation() -%}
    {%- if adapter.get_relation(ledger.database, ledger.schema, ledger.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set quoted = "'" ~ (model_ids | join("', '")) ~ "'" -%}
    {%- set state -%}
        select
            model_id,
            sum(case when full_rebuild then 1 else 0 end) as full_rebuilds,
            sum(case when invocation_id = '{{ invocation_id }}' then 1 else 0 end) as rows_of_this_run
        from {{ ledger }}
        where model_id in ({{ quoted }})
        group by model_id
    {%- endset -%}
    {%- set rows = run_query(state).rows -%}
    {%- set incremental_now = [] -%}
    {%- for row in rows if row[1] == 0 and row[2] > 0 -%}
        {%- do incremental_now.append(row[0]) -%}
    {%- endfor -%}
    {%- if incremental_now | length < model_ids | length -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return('select lead_id from ' ~ ledger ~ ' where model_id in (' ~ quoted ~ ') and lead_id is not null') }}
{%- endmacro %}

{#-
    For singular tests: `where <column> in (the untested leads of the models)`,
    or nothing when the test must read every row. `models`: names of
    lead_replace models of this project.
-#}
{% macro untested_leads_where(models, column='lead_id') -%}
    {%- set model_ids = [] -%}
    {%- for name in models -%}
        {%- do model_ids.append('model.' ~ project_name ~ '.' ~ name) -%}
    {%- endfor -%}
    {%- set subquery = untested_leads_subquery(model_ids) -%}
    {%- if subquery is not none -%}
    where {{ column }} in ({{ subquery }})
    {%- endif -%}
{%- endmacro %}

{#-
    Generic tests (dbt wraps each tested relation in this macro; it overrides
    dbt's, keeping its `where` config). A test attached to a model with untested
    leads reads only those leads' rows when it judges each lead on its
    own:
      * row-level tests (not_null, accepted_values, relationships from the
        model, expression_is_true, in_funnel_stages): rows of those leads;
      * unique and unique_combination whose columns include the lead: rows
        of those leads;
      * unique on another single column (activity_id): the rows whose value
        occurs among those leads' rows, so a duplicate shared with a lead
        not rewritten is still found.
    Every other test, and every warn-severity test (whose count is a report
    of all rows), reads the whole relation.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set conditions = [where] if where else [] -%}
    {%- set scope = untested_leads_test_scope(relation) -%}
    {%- if scope -%}
        {%- do conditions.append(scope) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where ({{ conditions | join(') and (') }})) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{% macro untested_leads_test_scope(relation) -%}
    {%- set row_level = ['not_null', 'declared_not_null', 'accepted_values', 'relationships', 'expression_is_true', 'in_funnel_stages'] -%}
    {%- if not execute or model.resource_type != 'test' or not model.get('test_metadata')
        or (config.get('severity') | lower) != 'error' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set attached = graph.nodes.get(model.get('attached_node') or '') -%}
    {%- if attached is none or not has_untested_leads(attached) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set lead = attached.config.get('unique_key') or 'lead_id' -%}
    {%- set test_name = model.test_metadata.name -%}
    {#- On a staging view over raw, a test that only scans (not-null, accepted values) reads every row:
        the scan costs less than finding the logged leads' rows among them (10M leads: the activities'
        declared_not_null 1.0 s reading everything, 1.5 s scoped); a key or a join is scoped. -#}
    {%- if attached.config.get('untested_leads') == 'change_log' and test_name in row_level
        and test_name != 'relationships' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set kwargs = model.test_metadata.kwargs -%}
    {%- if test_name in row_level -%}
        {%- set key = [lead] -%}
    {%- elif test_name == 'unique' -%}
        {%- set key = [kwargs.get('column_name')] -%}
    {%- elif test_name == 'unique_combination' -%}
        {%- set key = kwargs.get('columns') -%}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if lead not in key and key | length != 1 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set subquery = untested_leads_subquery([attached.unique_id]) -%}
    {%- if subquery is none -%}
        {{ return(none) }}
    {%- elif lead in key -%}
        {{ return(lead ~ ' in (' ~ subquery ~ ')') }}
    {%- endif -%}
    {{ return(key[0] ~ ' in (select ' ~ key[0] ~ ' from ' ~ relation ~ ' where ' ~ lead ~ ' in (' ~ subquery ~ '))') }}
{%- endmacro %}

{#-
    on-run-end: clear the ledger rows of every model with untested leads that built in
    this invocation and whose every error-severity data test ran and passed in
    it (warn-severity tests always read everything, so they do not count).
    Run and committed here, as create_untested_leads_ledger.
-#}
{% macro clear_tested_leads(results) -%}
    {%- if not execute or target.type == 'spark' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set status_of = {} -%}
    {%- for result in results -%}
        {%- do status_of.update({result.node.unique_id: result.status | string}) -%}
    {%- endfor -%}
    {%- set tests = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'test'
        and (node.config.severity | lower) == 'error' -%}
        {%- do tests.append(node) -%}
    {%- endfor -%}
    {%- set cleared = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model'
        and has_untested_leads(node)
        and status_of.get(node.unique_id) == 'success' -%}
        {%- set untested = [] -%}
        {%- for test in tests if node.unique_id in test.depends_on.nodes
            and status_of.get(test.unique_id) != 'pass' -%}
            {%- do untested.append(test.unique_id) -%}
        {%- endfor -%}
        {%- if not untested -%}
            {%- do cleared.append(node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if cleared -%}
        {%- call statement('clear_tested_leads', auto_begin=true) -%}
    delete from {{ untested_leads_relation() }} where model_id in ('{{ cleared | join("', '") }}')
        {%- endcall -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
{%- endmacro %}
