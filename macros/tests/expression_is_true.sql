{#-
    Generic test: every row satisfies `expression` (rows where it is false or
    null fail). Usage: - expression_is_true: {arguments: {expression: "a <= b"}}
-#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce({{ expression }}, false)
{% endtest %}
