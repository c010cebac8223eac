{#-
    The agreed funnel, in order. This list is the one place the stage names
    and their order are written; models loop over it.
-#}
{% macro funnel_stages() -%}
    {{ return(['lead', 'mql', 'sal', 'opportunity', 'won', 'renewed']) }}
{%- endmacro %}
