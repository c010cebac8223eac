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

{#-
    fx_rate_of(currency, dated, fx_alias): the join condition that picks a row's rate in seed fx_rates:
    its currency's rate of the month of `dated`. Every conversion joins fx_rates with it, and the FX
    coverage test checks the same months, so "which month's rate" is decided here once.
    What `dated` is for each kind of money: a deal's signing date, a campaign cost's date, and for an
    opportunity's amounts (current and historical) opportunity_rate_date().
-#}
{% macro fx_rate_of(currency, dated, fx_alias='fx_rates') -%}
    {{ currency }} = {{ fx_alias }}.currency
    and {{ month_start(dated) }} = {{ fx_alias }}.month
{%- endmacro %}

{#- The instant an opportunity's amounts, its current one and every historical one, are converted at:
    its creation (`opportunities` is the alias of a relation with stg_crm__opportunities' columns). -#}
{% macro opportunity_rate_date(opportunities) -%}
    {{ opportunities }}.opportunity_created_at
{%- endmacro %}
