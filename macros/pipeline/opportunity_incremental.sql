{#-
    Incremental builds of the pipeline models keyed by opportunity (docs/nightly.md, "The models keyed by
    opportunity"): int_opportunity_states, and the two models computed from its rows alone,
    int_opportunity_stage_runs and int_pipeline_movements. A model opts in with

        {{ opportunity_replace_config(inputs=[<models>], seeds=[<seeds>], as_of_cut=<bool>,
                                      stored_lookup=<as in lead_incremental.sql>) }}

    filters its import CTEs keyed by opportunity with {{ incremental_opportunity_filter() }}, and stores
    inputs_digest from {{ opportunity_digests_to_store() }} on each row. It refs every input, seed and
    lookup itself (the config is read only as it runs).

    The loader's change log names leads, and an opportunity's state needs no lead (an opportunity without
    one, a history row, an owner moved to another team), so these models find their changes themselves,
    from what they stored. An incremental run recomputes, and replaces every row of (delete + insert,
    strategy opportunity_replace):

      * every opportunity whose inputs changed: each stored row carries inputs_digest, the digest of
        the opportunity's rows in each model of `inputs` (every column: row_digest) and of every row of
        the `seeds` (a seed edit changes every digest). The first input names the opportunities. An
        opportunity whose current digest differs from the stored one (new, changed, or gone) is
        recomputed; so is one that has no stored row, every run (it has no state at the as-of
        instant, or no stage run or movement: recomputing it writes nothing);
      * with as_of_cut (int_opportunity_states, whose states are cut at the as-of instant): every
        opportunity with a stored row that the current instant cuts otherwise. Each row stores
        next_state_from, the next state's start whatever the instant; a row that begins after the
        instant (or any row, when there is no instant), or whose valid_to the instant would set or
        clear, is recomputed. The instant moves back too: a correction of a future-dated event moves the
        default as-of (the latest event) back;
      * with stored_lookup: every opportunity with a stored row whose copied columns differ from the
        lookup's current row (int_opportunity_states' owner_team: an owner moved to another team changes
        no opportunity).

    int_opportunity_states' rows are the only input of the other two, its valid_to cut included, so a
    state the as-of instant or an owner changes changes their digests too. A var or code change is not in
    the digest: scripts/nightly.py rebuilds in full after one, as for the lead_replace models
    (macros/nightly/lead_incremental.sql). On Spark the models are tables
    (lead_incremental_materialization), rebuilt every run. Their data tests read every row.
-#}

{% macro opportunity_replace_config(inputs, seeds=[], as_of_cut=false, stored_lookup=none) -%}
    {%- do key_replace_config('opportunity_replace', 'opportunity_id', "{{ opportunity_replace_set() }}", {
        'opportunity_inputs': inputs,
        'opportunity_seeds': seeds,
        'as_of_cut': as_of_cut,
        'stored_lookup': stored_lookup,
    }) -%}
{%- endmacro %}

{#-
    SQL: (opportunity_id, inputs_digest) of every opportunity of the first input. The digest is the sum
    of the row digests of the opportunity's rows in every input and of every seed row, as text. No row
    while parsing and in unit tests (the model's left join then stores null).
-#}
{% macro opportunity_input_digests() -%}
    {%- set inputs = config.get('opportunity_inputs') -%}
    {%- set seeds = config.get('opportunity_seeds') or [] -%}
    {%- if not execute or model.resource_type == 'unit_test' %}
    {#- parsing (the config is not read yet; the model refs its inputs itself), or a unit test, whose
        given inputs are not the digested ones: no digest #}
    select
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        cast(null as {{ dbt.type_string() }}) as inputs_digest
    where 1 = 0
    {%- elif not inputs -%}
        {{ exceptions.raise_compiler_error("opportunity_replace models must set config opportunity_inputs") }}
    {%- else %}
    with
    {% for input in inputs %}
    input_{{ loop.index }} as (
        select
            digested.opportunity_id,
            sum({{ row_digest('digested') }}) as input_digest
        from {{ ref(input) }} as digested
        group by digested.opportunity_id
    ),
    {% endfor %}
    seed_rows as (
        select cast(0 as {{ dbt.type_bigint() }}) as seed_digest
        {%- for seed in seeds %}
        union all
        select sum({{ row_digest('digested') }}) as seed_digest
        from {{ ref(seed) }} as digested
        {%- endfor %}
    ),

    seeds as (
        select sum(seed_digest) as seed_digest
        from seed_rows
    )

    select
        input_1.opportunity_id,
        cast(
            input_1.input_digest
            {%- for input in inputs[1:] %}
            + coalesce(input_{{ loop.index + 1 }}.input_digest, 0)
            {%- endfor %}
            + coalesce(seeds.seed_digest, 0) as {{ dbt.type_string() }}
        ) as inputs_digest
    from input_1
    {%- for input in inputs[1:] %}
    left join input_{{ loop.index + 1 }}
        on input_1.opportunity_id = input_{{ loop.index + 1 }}.opportunity_id
    {%- endfor %}
    cross join seeds
    {%- endif %}
{%- endmacro %}

{#- The name of the model's temporary table of the opportunities to recompute. -#}
{% macro opportunity_set_relation() -%}
    {{ adapter.quote(this.identifier ~ '__opportunity_set') }}
{%- endmacro %}

{#-
    The pre-hook: on an incremental run, the opportunities to recompute (see the top) with their current
    digest (null for one gone), into a temporary table that the model's filter and the delete read.
-#}
{% macro opportunity_replace_set() -%}
    {%- set as_of_cut = config.get('as_of_cut') -%}
    {%- set stored_lookup = config.get('stored_lookup') -%}
    {%- if target.type != 'spark' and is_incremental() -%}
    drop table if exists {{ opportunity_set_relation() }};
    create temporary table {{ opportunity_set_relation() }} as
    with

    current_digests as (
        {{ opportunity_input_digests() }}
    ),

    stored_rows as (
        select * from {{ this }}
    ),

    stored_digests as (
        select distinct
            opportunity_id,
            inputs_digest
        from stored_rows
    ),

    recomputed as (
        select coalesce(current_digests.opportunity_id, stored_digests.opportunity_id) as opportunity_id
        from current_digests
        full outer join stored_digests
            on current_digests.opportunity_id = stored_digests.opportunity_id
        where current_digests.inputs_digest is distinct from stored_digests.inputs_digest
        {%- if as_of_cut %}
        union
        select stored_rows.opportunity_id
        from stored_rows
        cross join {{ ref('int_as_of') }} as as_of
        where
            -- without an as-of instant (no event, no as_of_date) no state stands: every stored one goes
            coalesce(stored_rows.valid_from > as_of.as_of_at, true)
            or (stored_rows.valid_to is not null)
            <> coalesce(stored_rows.next_state_from <= as_of.as_of_at, false)
        {%- endif %}
        {%- if stored_lookup %}
        union
        {{ stale_lookup_keys('opportunity_id', stored_lookup) }}
        {%- endif %}
    )

    select
        recomputed.opportunity_id,
        current_digests.inputs_digest
    from recomputed
    left join current_digests
        on recomputed.opportunity_id = current_digests.opportunity_id
    {%- endif -%}
{%- endmacro %}

{#-
    A where clause for the model's import CTEs keyed by opportunity: on an incremental run, only the
    opportunities to recompute; otherwise nothing.
-#}
{% macro incremental_opportunity_filter(column='opportunity_id') -%}
    {%- if model.resource_type != 'unit_test' and is_incremental() %}
    where {{ column }} in (select opportunity_id from {{ opportunity_set_relation() }})
    {%- endif -%}
{%- endmacro %}

{#-
    SQL: the digests the model stores with its rows (opportunity_id, inputs_digest): on an incremental run
    the pre-hook's, of the recomputed opportunities; otherwise every opportunity's.
-#}
{% macro opportunity_digests_to_store() -%}
    {%- if model.resource_type != 'unit_test' and is_incremental() -%}
    select
        opportunity_id,
        inputs_digest
    from {{ opportunity_set_relation() }}
    where inputs_digest is not null
    {%- else -%}
    {{ opportunity_input_digests() }}
    {%- endif -%}
{%- endmacro %}

{#-
    The `opportunity_replace` incremental strategy: delete every row of the recomputed opportunities,
    then insert their new rows. Plain SQL (DuckDB, PostgreSQL).
-#}
{% macro get_incremental_opportunity_replace_sql(arg_dict) -%}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target_relation }}
    where opportunity_id in (select opportunity_id from {{ opportunity_set_relation() }});

    insert into {{ target_relation }} ({{ columns }})
    select {{ columns }}
    from {{ temp_relation }}
{%- endmacro %}
