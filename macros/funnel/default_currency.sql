{#-
    default_currency(): the currency of a money row exported with an empty
    currency, as a SQL string literal. The raw contract says empty means the
    reporting currency (var reporting_currency, JPY), so this is that var,
    written once; staging reads `coalesce(currency, {{ default_currency() }})`.
-#}
{% macro default_currency() -%}
    '{{ var("reporting_currency") }}'
{%- endmacro %}
