{#-
    The contract-term rules of retention (docs/retention.md), one place for the models and the marts
    that state them.

    default_contract_end(contract_start): the last day of a contract that states no end: var
    default_contract_months after its start, less a day (a month's last day when the month is
    shorter: 2027-01-31 + 1 month is 2027-02-28, less a day 2027-02-27). int_contract_terms.

    churn_on(contract_end): the day a contract churns unless renewed by then: var renewal_grace_days
    after its end. int_contracts.

    mart_stage_conversion_half applies both to its renewal window (renewals_open_until), one step
    per CTE: on Spark, dbt.dateadd repeats its argument several times, so nested calls grow the SQL
    geometrically.
-#}
{% macro default_contract_end(contract_start) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', var('default_contract_months'), contract_start)) }} as date)
{%- endmacro %}

{% macro churn_on(contract_end) -%}
    cast({{ dbt.dateadd('day', var('renewal_grace_days'), contract_end) }} as date)
{%- endmacro %}
