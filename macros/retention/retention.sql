{#-
    Contracts and retention (docs/retention.md).

    renewal_chain_jumps(): how many pointer-jumping steps int_signed_deal_anchors
    takes to find each deal's anchor, the first new or expansion deal of its
    renewal chain (where its business unit and company come from). Portable SQL
    has no recursive CTE on every engine; each step is a self-join that doubles
    the distance walked, so 6 steps reach a deal renewal_chain_max_depth() =
    2^6 - 1 = 63 renewals from its anchor (five years of monthly renewals). A
    longer chain leaves anchor_deal_id null and its not_null test fails the build.
    On Spark, which plans each read of a CTE anew, step k reads the first 2^k
    times; a seventh step would double that again.
-#}
{% macro renewal_chain_jumps() -%}
    {{ return(6) }}
{%- endmacro %}

{% macro renewal_chain_max_depth() -%}
    {{ return(2 ** renewal_chain_jumps() - 1) }}
{%- endmacro %}

{#-
    retention_aggregates(group_columns): the retention figures of
    int_retention_contract_periods summed over `group_columns` (besides the
    period), with the ratios. The one definition of GRR, NRR, logo retention
    and the renewal rates; every retention model selects from it.
      GRR = (starting - contraction - churn) / starting
      NRR = (starting - contraction - churn + expansion) / starting
      logo retention = cohort customers still in force at the end / at the start
      renewal rate = renewed / decided (renewed + churned) contracts ending in the period
      on-time renewal rate = renewed by contract_end / the same
-#}
{% macro retention_aggregates(group_columns) -%}
    {%- set groups = ['period_grain', 'period_label', 'fiscal_year', 'fiscal_half', 'period_start', 'period_end',
        'is_complete'] + group_columns -%}
    with

    contract_periods as (
        select * from {{ ref('int_retention_contract_periods') }}
    ),

    sums as (
        select
            {{ groups | join(',\n            ') }},
            sum(starting_arr) as starting_arr,
            sum(expansion_arr) as expansion_arr,
            sum(contraction_arr) as contraction_arr,
            sum(churned_arr) as churned_arr,
            count(distinct case when is_cohort_customer then customer_key end) as starting_customers,
            count(distinct case when is_retained_customer then customer_key end) as retained_customers,
            sum(case when is_ending then 1 else 0 end) as contracts_ending,
            sum(case when outcome_in_period = 'renewed' then 1 else 0 end) as contracts_renewed,
            sum(case when outcome_in_period = 'renewed' and is_renewed_on_time then 1 else 0 end)
                as contracts_renewed_on_time,
            sum(case when outcome_in_period = 'churned' then 1 else 0 end) as contracts_churned,
            sum(case when outcome_in_period = 'due' then 1 else 0 end) as contracts_due
        from contract_periods
        group by {{ groups | join(', ') }}
    ),

    final as (
        select
            sums.*,
            {{ safe_divide('starting_arr - contraction_arr - churned_arr', 'starting_arr') }} as grr,
            {{ safe_divide('starting_arr - contraction_arr - churned_arr + expansion_arr', 'starting_arr') }} as nrr,
            {{ safe_divide('retained_customers', 'starting_customers') }} as logo_retention,
            {{ safe_divide('contracts_renewed', 'contracts_renewed + contracts_churned') }} as renewal_rate,
            {{ safe_divide('contracts_renewed_on_time', 'contracts_renewed + contracts_churned') }}
                as on_time_renewal_rate
        from sums
    )

    select * from final
{%- endmacro %}

{#-
    fiscal_period_columns(group_columns, typed): the columns that name a fiscal period in the
    retention and unit-economics models (period_label, fiscal_year, fiscal_half, period_start,
    period_end, is_complete), then `group_columns`; `typed` casts fiscal_year to its contract type
    (the marts), untyped they fit a group by.
-#}
{% macro fiscal_period_columns(group_columns=[], typed=false) -%}
    period_label,
    {% if typed %}cast(fiscal_year as integer) as fiscal_year{% else %}fiscal_year{% endif %},
    fiscal_half,
    period_start,
    period_end,
    is_complete
    {%- for column in group_columns %},
    {{ column }}
    {%- endfor %}
{%- endmacro %}

{#-
    retention_mart(int_model, group_columns): the select of a retention mart
    (mart_revenue_retention and its by-owner and by-channel siblings): the
    figures of `int_model` with the contracted types.
-#}
{% macro retention_mart(int_model, group_columns) -%}
    with

    retention as (
        select * from {{ ref(int_model) }}
    ),

    final as (
        select
            period_grain,
            {{ fiscal_period_columns(group_columns, typed=true) }},
            {%- for column in ['starting_arr', 'expansion_arr', 'contraction_arr', 'churned_arr'] %}
                cast({{ column }} as {{ type_money() }}) as {{ column }},
            {%- endfor %}
            {%- for column in ['starting_customers', 'retained_customers', 'contracts_ending', 'contracts_renewed',
                'contracts_renewed_on_time', 'contracts_churned', 'contracts_due'] %}
                cast({{ column }} as integer) as {{ column }},
            {%- endfor %}
            grr,
            nrr,
            logo_retention,
            renewal_rate,
            on_time_renewal_rate
        from retention
    )

    select * from final
{%- endmacro %}
