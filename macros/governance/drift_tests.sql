{#-
    Generic test: a rate column (e.g. mart_definition_drift.disagreement_rate)
    stays at or under the limit held in var `limit_var`. Slices with fewer than
    var `min_count_var` leads in `count_column` are too small to judge and are
    skipped, as are rows not matching `measured_when` (SQL, e.g. the drift
    mart's measured slices; default all rows). Each failing row names its slice (`slice_columns`, e.g. the month
    and business unit), the rate and the limit.

    Used twice per rate: once with drift_warn_rate and severity warn, once with
    drift_error_rate and severity error, so a moderate drift warns and a large
    one fails the build.
-#}
{% test rate_within_limit(model, column_name, limit_var, slice_columns, count_column, min_count_var, measured_when='1 = 1') %}
select
    {{ slice_columns | join(', ') }},
    {{ count_column }} as judged_leads,
    {{ column_name }} as rate,
    cast({{ var(limit_var) }} as {{ type_ratio() }}) as rate_limit
from {{ model }}
where {{ measured_when }}
    and {{ count_column }} >= {{ var(min_count_var) }}
    and {{ column_name }} > {{ var(limit_var) }}
{% endtest %}
