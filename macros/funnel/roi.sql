{#-
    roi(returned, cost): return on a campaign's cost, (returned - cost) / cost, or null when the
    cost is 0 or null (safe_divide). The one ROI formula: the sourced ROI of
    int_campaign_efficiency and the attributed ROI of int_campaign_attribution_by_half use it.
-#}
{% macro roi(returned, cost) -%}
    {{ safe_divide('(' ~ returned ~ ') - (' ~ cost ~ ')', cost) }}
{%- endmacro %}
