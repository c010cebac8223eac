{#-
    The KPI metric catalogue: the one list of metric names, what kind they are
    and which funnel stage anchors them. int_kpi_metrics materialises it; the
    metric definitions themselves are SQL in int_metric_stage_entries (own-stage)
    and int_metric_forward_outcomes (forward). See docs/accountability.md.

    kind:    own_stage - count (or amount) of stage entries whose entered time is in the period;
             forward   - attributed to the anchor stage's period, outcome counted only within
                         var('forward_window_days') of the anchor.
    measure: count (leads) or amount (reporting currency).
-#}
{% macro kpi_metrics() -%}
    {{ return([
        {'metric': 'leads', 'kind': 'own_stage', 'anchor_stage': 'lead', 'outcome_stage': none, 'measure': 'count'},
        {'metric': 'mqls', 'kind': 'own_stage', 'anchor_stage': 'mql', 'outcome_stage': none, 'measure': 'count'},
        {'metric': 'sals', 'kind': 'own_stage', 'anchor_stage': 'sal', 'outcome_stage': none, 'measure': 'count'},
        {'metric': 'opportunities', 'kind': 'own_stage', 'anchor_stage': 'opportunity', 'outcome_stage': none, 'measure': 'count'},
        {'metric': 'won_deals', 'kind': 'own_stage', 'anchor_stage': 'won', 'outcome_stage': none, 'measure': 'count'},
        {'metric': 'won_amount', 'kind': 'own_stage', 'anchor_stage': 'won', 'outcome_stage': none, 'measure': 'amount'},
        {'metric': 'renewals', 'kind': 'own_stage', 'anchor_stage': 'renewed', 'outcome_stage': none, 'measure': 'count'},
        {'metric': 'opportunities_from_mqls', 'kind': 'forward', 'anchor_stage': 'mql', 'outcome_stage': 'opportunity', 'measure': 'count'},
        {'metric': 'pipeline_from_mqls', 'kind': 'forward', 'anchor_stage': 'mql', 'outcome_stage': 'opportunity', 'measure': 'amount'},
        {'metric': 'won_from_opportunities', 'kind': 'forward', 'anchor_stage': 'opportunity', 'outcome_stage': 'won', 'measure': 'count'},
    ]) }}
{%- endmacro %}

{#- The window of a metric kind, in days: 0 for own-stage metrics, the forward window otherwise. -#}
{% macro kpi_window_days(kind) -%}
    {{ return(forward_window_days() if kind == 'forward' else 0) }}
{%- endmacro %}
