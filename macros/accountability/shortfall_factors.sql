{#-
    The factors of the plan-vs-actual won decomposition (mart_funnel_shortfall),
    in funnel order, with the team that owns each. A factor is numerator /
    denominator of two own-stage metrics counted in the same fiscal half (lead
    volume has no denominator). Their product telescopes to won_deals, and with
    deal_size to won_amount, so ln(actual/plan) of the outcome is exactly the
    sum of the factors' ln(actual/plan). `measures` lists the outcomes a factor
    explains.
-#}
{% macro shortfall_factors() -%}
    {{ return([
        {'factor': 'lead_volume', 'numerator': 'leads', 'denominator': none, 'owning_team': 'marketing', 'measures': ['won_deals', 'won_amount']},
        {'factor': 'lead_to_mql', 'numerator': 'mqls', 'denominator': 'leads', 'owning_team': 'marketing', 'measures': ['won_deals', 'won_amount']},
        {'factor': 'mql_to_sal', 'numerator': 'sals', 'denominator': 'mqls', 'owning_team': 'inside_sales', 'measures': ['won_deals', 'won_amount']},
        {'factor': 'sal_to_opportunity', 'numerator': 'opportunities', 'denominator': 'sals', 'owning_team': 'inside_sales', 'measures': ['won_deals', 'won_amount']},
        {'factor': 'opportunity_to_won', 'numerator': 'won_deals', 'denominator': 'opportunities', 'owning_team': 'field_sales', 'measures': ['won_deals', 'won_amount']},
        {'factor': 'deal_size', 'numerator': 'won_amount', 'denominator': 'won_deals', 'owning_team': 'field_sales', 'measures': ['won_amount']},
    ]) }}
{%- endmacro %}

{#- The outcomes decomposed: won deals (count) and won amount (reporting currency). -#}
{% macro shortfall_measures() -%}
    {{ return(['won_deals', 'won_amount']) }}
{%- endmacro %}

{#-
    shortfall_is_bottleneck(partition_columns, qualifier): the bottleneck rule, one place for
    int_funnel_shortfall (per half x unit x measure) and mart_funnel_shortfall_all_units (per half x
    measure, on the units' summed effects). A column expression, true on the one factor of each
    partition that lost most: effect < 0 (a null effect, an immature half, is no loss), never
    `unattributed`, the lowest effect, ties to the earlier stage (factor_order). A partition with no
    loss has no bottleneck. `qualifier` names the relation the columns come from ('' for none).
-#}
{% macro shortfall_is_bottleneck(partition_columns, qualifier='') -%}
    {%- set prefix = qualifier ~ '.' if qualifier else '' -%}
    {%- set is_loss = "(" ~ prefix ~ "factor != 'unattributed' and " ~ prefix ~ "effect < 0)" -%}
    {%- set partition = [] -%}
    {%- for column in partition_columns %}{% do partition.append(prefix ~ column) %}{% endfor -%}
    coalesce(
        {{ is_loss }}
        and row_number() over (
            partition by {{ partition | join(', ') }}
            order by case when {{ is_loss }} then 0 else 1 end, {{ prefix }}effect, {{ prefix }}factor_order
        ) = 1,
        false
    )
{%- endmacro %}
