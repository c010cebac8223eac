{#-
    The attribution models, in the order the marts list them, and the
    position weights of the position-based ones (percent). This is the one
    place they are written; docs/attribution.md explains them.

    Anchors of a lead x stage's touches (ordered by touch time, then the
    source touch, then activity_id):
      first       - the first touch in the window;
      mql         - the last touch at or before the lead's MQL entered time;
      opportunity - the last touch at or before the opportunity entered time
                    (or the stage's own time when the lead has not reached
                    opportunity by then).
    An anchor with no touch in the window falls back to the first touch.
-#}
{% macro attribution_models() -%}
    {{ return(['first_touch', 'last_touch', 'linear', 'u_shaped', 'w_shaped', 'time_decay']) }}
{%- endmacro %}

{% macro attribution_position_weights() -%}
    {{ return({
        'u_shaped': {'anchors': [['first', 40], ['mql', 40]], 'rest': 20},
        'w_shaped': {'anchors': [['first', 30], ['mql', 30], ['opportunity', 30]], 'rest': 10},
    }) }}
{%- endmacro %}

{#-
    position_based_credit(model, position, touch_count, anchor_positions):
    the credit of the touch at `position` (1-based) among `touch_count`
    touches, under a position-based model of attribution_position_weights().
    `anchor_positions` maps each anchor name to a SQL expression for its
    position. A touch gets the weights of every anchor it is (anchors that
    coincide add up); the other touches share the `rest` weight equally. When
    every touch is an anchor, nobody is left to share the rest, so the anchor
    weights are scaled up to sum to 1 (two touches under U-shaped: 50/50).
-#}
{% macro position_based_credit(model, position, touch_count, anchor_positions) -%}
    {%- set spec = attribution_position_weights()[model] -%}
    {%- set anchor_total = spec['anchors'] | sum(attribute=1) -%}
    {%- set anchor_points -%}
        ({% for anchor in spec['anchors'] -%}
            case when {{ position }} = {{ anchor_positions[anchor[0]] }} then {{ anchor[1] }} else 0 end
            {%- if not loop.last %} + {% endif %}
        {%- endfor %})
    {%- endset -%}
    {%- set distinct_anchors -%}
        (1{% for anchor in spec['anchors'][1:] -%}
            {%- set outer = loop -%}
            {%- set earlier = spec['anchors'][:outer.index] -%}
            + case when {% for previous in earlier -%}
                {{ anchor_positions[anchor[0]] }} <> {{ anchor_positions[previous[0]] }}
                {%- if not loop.last %} and {% endif %}
            {%- endfor %} then 1 else 0 end
        {%- endfor %})
    {%- endset -%}
    case
        when {{ touch_count }} > {{ distinct_anchors }}
            then case
                when {{ anchor_points }} > 0
                    then cast({{ anchor_points }} as {{ type_ratio() }}) / 100
                else cast({{ spec['rest'] }} as {{ type_ratio() }})
                    / (100 * ({{ touch_count }} - {{ distinct_anchors }}))
            end
        else cast({{ anchor_points }} as {{ type_ratio() }}) / {{ anchor_total }}
    end
{%- endmacro %}

{#- The campaign_id of the credit row of a lead x stage with no touch in the window. -#}
{% macro no_touch_campaign_id() -%}
    {{ return('no_touch') }}
{%- endmacro %}

{#- Attributed stages (every stage after `lead`) and their count-column suffixes. -#}
{% macro attribution_stage_columns() -%}
    {%- set labels = {'mql': 'mqls', 'sal': 'sals', 'opportunity': 'opportunities', 'won': 'won_deals',
        'renewed': 'renewals'} -%}
    {%- set columns = [] -%}
    {%- for stage in funnel_stages()[1:] -%}
        {%- do columns.append([stage, labels[stage]]) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
