{#-
    reporting_amount(amount, currency, rate): money converted to the reporting
    currency (var reporting_currency). A row already in the reporting currency
    keeps its amount; any other currency needs a rate, and without one the
    result is null, which the not_null tests on the converted amounts catch.
    A currency is never silently treated as the reporting currency.
-#}
{% macro reporting_amount(amount, currency, rate) -%}
    case
        when {{ currency }} = '{{ var("reporting_currency") }}' then {{ amount }}
        else {{ amount }} * {{ rate }}
    end
{%- endmacro %}
