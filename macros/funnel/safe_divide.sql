{#-
    safe_divide(numerator, denominator): the ratio, or null when the
    denominator is 0 or null. Every rate, cost-per and ROI (macro roi) in the marts uses it.
-#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_ratio() }}) / nullif(cast({{ denominator }} as {{ type_ratio() }}), 0))
{%- endmacro %}
