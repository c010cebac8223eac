{#-
    attribution_credit(model, columns): the credit of one touch of a
    lead x stage under `model` (one of attribution_models()). This is the one
    place each model's rule is written; docs/attribution.md explains them.
    `columns` maps the names the rules read to SQL expressions:
      position, touch_count       - the touch's 1-based position, the count;
      mql_anchor, opportunity_anchor - positions of the MQL / opportunity touch;
      decay_weight, decay_weight_total - the touch's time-decay weight and
                                    the weights' sum over the lead x stage.
    A lead x stage without a counted touch (touch_count = 0) gets credit 1.
-#}
{% macro attribution_credit(model, columns) -%}
    {%- set one = 'cast(1 as ' ~ type_ratio() ~ ')' -%}
    {%- set zero = 'cast(0 as ' ~ type_ratio() ~ ')' -%}
    {%- if model == 'first_touch' -%}
        {%- set rule = 'case when ' ~ columns['position'] ~ ' = 1 then ' ~ one ~ ' else ' ~ zero ~ ' end' -%}
    {%- elif model == 'last_touch' -%}
        {%- set rule = 'case when ' ~ columns['position'] ~ ' = ' ~ columns['touch_count']
            ~ ' then ' ~ one ~ ' else ' ~ zero ~ ' end' -%}
    {%- elif model == 'linear' -%}
        {%- set rule = one ~ ' / ' ~ columns['touch_count'] -%}
    {%- elif model in attribution_position_weights() -%}
        {%- set rule = position_based_credit(model, columns['position'], columns['touch_count'], {
            'first': '1',
            'mql': columns['mql_anchor'],
            'opportunity': columns['opportunity_anchor'],
        }) -%}
    {%- elif model == 'time_decay' -%}
        {%- set rule = columns['decay_weight'] ~ ' / ' ~ columns['decay_weight_total'] -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error('attribution_credit: no rule for model ' ~ model) }}
    {%- endif -%}
    case
        when {{ columns['touch_count'] }} = 0 then {{ one }}
        else {{ rule }}
    end
{%- endmacro %}

{#-
    attribution_exact(expression, scale=24): a credit (or a decay weight, or
    scale=6 for an amount) as a fixed-point decimal with `scale` digits after
    the point, for summing. A sum of doubles
    depends on the order the engine adds them in (parallel aggregation), so
    two builds of the same data could differ in the last bits (~1e-16). Each
    value is rounded to 1e-24 here, one row at a time (deterministic), and
    the decimal sum is exact, so it does not depend on the order: cast back to
    double it is the same in every build. The rounding moves a value by at
    most 5e-25 (the smallest credits, e.g. 2^(-337/7) in the time-decay
    fixture, are ~1e-15, so they keep 9 significant digits and stay > 0);
    14 digits before the point leave room for any sum of credits.
-#}
{% macro attribution_exact(expression, scale=24) -%}
    {{ return(adapter.dispatch('attribution_exact', 'revops_funnel')(expression, scale)) }}
{%- endmacro %}

{% macro default__attribution_exact(expression, scale) -%}
    cast({{ expression }} as decimal(38, {{ scale }}))
{%- endmacro %}

{% macro postgres__attribution_exact(expression, scale) -%}
    cast({{ expression }} as numeric(38, {{ scale }}))
{%- endmacro %}
