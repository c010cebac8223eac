{#- null_safe_equal(left, right): equal, or both null (a join on an optional key such as owner_id). -#}
{% macro null_safe_equal(left, right) -%}
    ({{ left }} = {{ right }} or ({{ left }} is null and {{ right }} is null))
{%- endmacro %}
