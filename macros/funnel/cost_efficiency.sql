{#-
    cost_efficiency_columns(): the cost-efficiency rules of a row of totals, in one place. What
    each stage reached cost (total_cost ÷ its count, null when the count is 0: macro safe_divide),
    the share of leads that became an opportunity, and the sourced ROI (macro roi). The row needs
    total_cost, won_amount and the counts leads, mqls, sals, opportunities and won_deals.
    int_campaign_efficiency applies it per campaign and int_channel_efficiency per channel and
    business unit after adding the campaigns up, so a channel's cost per opportunity is the same
    rule as a campaign's, never a second formula (the dashboard reads both marts).
-#}
{% macro cost_efficiency_columns() -%}
    {{ safe_divide('total_cost', 'leads') }} as cost_per_lead,
    {{ safe_divide('total_cost', 'mqls') }} as cost_per_mql,
    {{ safe_divide('total_cost', 'sals') }} as cost_per_sal,
    {{ safe_divide('total_cost', 'opportunities') }} as cost_per_opportunity,
    {{ safe_divide('total_cost', 'won_deals') }} as cost_per_won,
    {{ safe_divide('opportunities', 'leads') }} as lead_to_opportunity_rate,
    {{ roi('won_amount', 'total_cost') }} as roi
{%- endmacro %}

{#-
    cost_efficiency_totals(): the totals cost_efficiency_columns reads, cast to their contract types
    (money for total_cost and won_amount, bigint for the stage counts), in one place for
    int_campaign_efficiency and both cost-efficiency marts.
-#}
{% macro cost_efficiency_totals() -%}
    cast(total_cost as {{ type_money() }}) as total_cost,
    cast(leads as {{ dbt.type_bigint() }}) as leads,
    cast(mqls as {{ dbt.type_bigint() }}) as mqls,
    cast(sals as {{ dbt.type_bigint() }}) as sals,
    cast(opportunities as {{ dbt.type_bigint() }}) as opportunities,
    cast(won_deals as {{ dbt.type_bigint() }}) as won_deals,
    cast(renewals as {{ dbt.type_bigint() }}) as renewals,
    cast(won_amount as {{ type_money() }}) as won_amount
{%- endmacro %}

{#-
    all_rows_label(): the business_unit_scope or channel_scope of mart_channel_efficiency's rows that
    add up every unit or every channel ('(all)'; no unit or channel is named so).
-#}
{% macro all_rows_label() -%}
    '(all)'
{%- endmacro %}

{#-
    all_and_own_scopes(relation, key, column, scope, only_known=false): the rollup rule of the marts
    with '(all)' rows (mart_channel_efficiency, mart_handoff_sla_half, the stage-conversion rollups):
    every row of `relation` counts in the scope all_rows_label() and in its own `column`'s scope,
    named `scope`. key: the columns each row carries into its scopes (its key to join back on, or
    every column the rollup needs).
    only_known: a row whose `column` is null counts in '(all)' only (a campaign without a unit);
    otherwise a null stays its own scope, so a contract's not_null on `scope` fails loudly.
-#}
{% macro all_and_own_scopes(relation, key, column, scope, only_known=false) -%}
    select
        {{ key }},
        {{ all_rows_label() }} as {{ scope }}
    from {{ relation }}

    union all

    select
        {{ key }},
        {{ column }} as {{ scope }}
    from {{ relation }}
    {%- if only_known %}
    where {{ column }} is not null
    {%- endif %}
{%- endmacro %}
