{#-
    days_between(start, finish): elapsed time in days as a fraction
    (seconds / 86400), so 36 hours is 1.5.
-#}
{% macro days_between(start, finish) -%}
    ({{ dbt.datediff(start, finish, 'second') }} / 86400.0)
{%- endmacro %}
