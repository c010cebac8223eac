{#-
    The CRM source layer (docs/sources/salesforce.md).

    var crm_source picks the system the canonical staging models
    (models/staging/crm/stg_crm__<table>) read: `contract` (the project's CSV
    contract, models/staging/contract) or `salesforce`
    (models/staging/salesforce). Nothing downstream of stg_crm__* knows which.
-#}


{#- The source system of this build; an unknown value stops the build. -#}
{% macro crm_source() -%}
    {%- set chosen = var('crm_source', 'contract') -%}
    {%- if chosen not in ['contract', 'salesforce'] -%}
        {{ exceptions.raise_compiler_error("var crm_source must be contract or salesforce, not " ~ chosen) }}
    {%- endif -%}
    {{ return(chosen) }}
{%- endmacro %}

{#- The relation of the chosen system that feeds canonical table `table` (a ref). -#}
{% macro crm_source_relation(table) -%}
    {%- if crm_source() == 'salesforce' -%}
        {{ return(ref('stg_salesforce__crm_' ~ table)) }}
    {%- else -%}
        {{ return(ref('stg_contract__' ~ table)) }}
    {%- endif -%}
{%- endmacro %}

{#-
    SQL literal: the currency of a money value exported without one.
    `system` names the var: contract_default_currency (the CSV contract's
    "empty means JPY") or salesforce_default_currency (an org without
    multi-currency exports no CurrencyIsoCode).
-#}
{% macro default_currency(system='contract') -%}
    '{{ var(system ~ "_default_currency") }}'
{%- endmacro %}

{#- A naive UTC timestamp (how Salesforce and its connectors store times) as naive reporting time. -#}
{% macro utc_to_reporting(column) -%}
    {{ return(adapter.dispatch('utc_to_reporting', 'revops_funnel')(column)) }}
{%- endmacro %}

{% macro default__utc_to_reporting(column) -%}
    (({{ column }} at time zone 'UTC') at time zone '{{ var("reporting_timezone") }}')
{%- endmacro %}

{% macro spark__utc_to_reporting(column) -%}
    from_utc_timestamp({{ column }}, '{{ var("reporting_timezone") }}')
{%- endmacro %}
