{#-
    The contract-term rules of retention (docs/retention.md), one place for the models and the marts
    that state them.

    default_contract_end(contract_start): the last day of a contract that states no end: var
    default_contract_months after its start, less a day (a month's last day when the month is
    shorter: 2027-01-31 + 1 month is 2027-02-28, less a day 2027-02-27). int_contract_terms.

    churn_on(contract_end): the day a contract churns unless renewed by then: var renewal_grace_days
    after its end. int_contracts.

    renewals_open_until(last_lead_day): the last day on which a lead created on last_lead_day can
    still reach "renewed", at the least: won when its forward window ends (var forward_window_days
    later) on a contract of the default length, it churns, unless renewed, on churn_on of that
    contract's end. A deal won later, or on a longer contract, renews later still.
    mart_stage_conversion_half.
-#}
{% macro default_contract_end(contract_start) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', var('default_contract_months'), contract_start)) }} as date)
{%- endmacro %}

{% macro churn_on(contract_end) -%}
    cast({{ dbt.dateadd('day', var('renewal_grace_days'), contract_end) }} as date)
{%- endmacro %}

{% macro renewals_open_until(last_lead_day) -%}
    {{ churn_on(default_contract_end(dbt.dateadd('day', var('forward_window_days'), last_lead_day))) }}
{%- endmacro %}
