{#- The waterfall's movements (docs/pipeline.md), in column order: entries, exits, amount changes. -#}
{% macro pipeline_movements() -%}
    {{ return(['created', 'pulled_in', 'reopened', 'won', 'lost', 'pushed_out', 'pulled_earlier', 'increased', 'decreased']) }}
{%- endmacro %}
