{#-
    Generic test: `column_name` only takes values from a macro-provided list,
    e.g. the agreed funnel stages. Usage:
        - in_funnel_stages
-#}
{% test in_funnel_stages(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in ('{{ funnel_stages() | join("', '") }}')
{% endtest %}
