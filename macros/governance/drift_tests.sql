{#-
    Generic test: the rows a model judged `failing_statuses` in `status_column`
    (e.g. mart_definition_drift.drift_status, whose one rule is in the mart), so
    the test and every reader of the mart judge a slice alike. Each failing row
    names its slice (`slice_columns`, e.g. the month and business unit), its
    judged count (`count_column`), the rate (the tested column) and the limit it
    was judged by (`limit_column`, the mart's copy of the var).

    Used twice on mart_definition_drift.disagreement_rate: statuses warn and
    error with severity warn (above var drift_warn_rate), status error with
    severity error (above var drift_error_rate), so a moderate drift warns and
    a large one fails the build.
-#}
{% test judged_over_limit(model, column_name, status_column, failing_statuses, limit_column, slice_columns, count_column) %}
select
    {{ slice_columns | join(', ') }},
    {{ count_column }} as judged_leads,
    {{ column_name }} as rate,
    {{ limit_column }} as rate_limit
from {{ model }}
where {{ status_column }} in ('{{ failing_statuses | join("', '") }}')
{% endtest %}
