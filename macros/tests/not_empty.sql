{#-
    Generic test: the model has at least one row. For a seed the Ops team must
    fill (e.g. kpi_targets): an emptied file would otherwise empty the marts
    built on it without a failure. Usage: data_tests: [not_empty]
-#}
{% test not_empty(model) %}
with

counted as (
    select count(*) as row_count
    from {{ model }}
),

final as (
    select row_count
    from counted
    where row_count = 0
)

select * from final
{% endtest %}
