{#-
    Generic test (reconciliation, nothing lost): every value of `column_name` in
    the model is exactly one row of `to` (by `field`, default the same name), and
    `to` holds no value the model lacks. A failing row is a key with the number of
    rows it has in `to` and whether the model has it. Used to prove that every
    source opportunity is one row of fct_opportunity, for every CRM source, and
    that every loaded lead is one row of fct_lead_funnel.
    Usage (on the source's key column):
        data_tests:
          - appears_exactly_once_in:
              arguments: {to: "ref('fct_opportunity')"}
-#}
{% test appears_exactly_once_in(model, column_name, to, field=none) %}
{%- set target_field = field or column_name %}
with

source_keys as (
    select {{ column_name }} as key_value from {{ model }}
),

target_rows as (
    select
        {{ target_field }} as key_value,
        count(*) as target_rows
    from {{ to }}
    group by {{ target_field }}
),

final as (
    select
        coalesce(source_keys.key_value, target_rows.key_value) as key_value,
        coalesce(target_rows.target_rows, 0) as target_rows,
        source_keys.key_value is not null as is_in_source
    from source_keys
    full outer join target_rows
        on source_keys.key_value = target_rows.key_value
    where source_keys.key_value is null
        or coalesce(target_rows.target_rows, 0) <> 1
)

select * from final
{% endtest %}
