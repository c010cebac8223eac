{#-
    days_between(start, finish): elapsed time in days as a fraction
    (seconds / 86400), so 36 hours is 1.5.
-#}
{% macro days_between(start, finish) -%}
    (cast({{ dbt.datediff(start, finish, 'second') }} as {{ type_ratio() }}) / 86400)
{%- endmacro %}
