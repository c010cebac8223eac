{#-
    Generic test: the combination of `columns` is unique in the model.
    Usage (model level):
        data_tests:
          - unique_combination:
              arguments: {columns: [a, b]}
-#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
