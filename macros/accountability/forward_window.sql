{#-
    The forward-window rule, in one place (int_metric_forward_outcomes uses it
    for every forward metric's outcome and for the opportunities that make up
    pipeline_from_mqls). A window is var('forward_window_days') x 86,400
    seconds of elapsed time after the anchor, inclusive: with 90, an outcome
    exactly 90 x 24 h after the anchor is within it, one a second later is not.

    forward_window_days(): var('forward_window_days'), checked: a whole number
    of days, at least 1 (anything else stops the compile, naming the var, where
    `| int` would have turned "90.5" or "ninety" into 90 or 0 without a word).
    Every reader of the var reads it through this.
    kpi_window_seconds(): the window's length in seconds.
    kpi_window_ends_at(anchor_at): the window's last instant.
    kpi_is_within_window(anchor_at, at): whether `at` is at or before the
    window's last instant (to the microsecond: a datediff in seconds would
    count second boundaries and let 90 days + 0.8 s in); false (never null)
    when `at` is null.
-#}
{% macro forward_window_days() -%}
    {%- set days = var('forward_window_days') | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]+', days) or days | int < 1 -%}
        {{ exceptions.raise_compiler_error(
            "var forward_window_days must be a whole number of days, at least 1; got '" ~ days ~ "'"
        ) }}
    {%- endif -%}
    {{ return(days | int) }}
{%- endmacro %}

{% macro kpi_window_seconds() -%}
    {{ return(forward_window_days() * 86400) }}
{%- endmacro %}

{% macro kpi_window_ends_at(anchor_at) -%}
    {{ dbt.dateadd('second', kpi_window_seconds(), anchor_at) }}
{%- endmacro %}

{% macro kpi_is_within_window(anchor_at, at) -%}
    coalesce({{ at }} <= {{ kpi_window_ends_at(anchor_at) }}, false)
{%- endmacro %}
