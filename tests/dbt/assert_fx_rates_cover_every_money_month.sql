{#-
    Every money row in another currency than var reporting_currency needs a rate
    in seeds/fx_rates.csv for its month (deals: signing month; opportunities:
    creation month; opportunity history rows (int_opportunity_history), in their
    own currency or else the opportunity's: the opportunity's creation month,
    the rate int_opportunity_states converts each state at; campaign costs: cost
    month). When some are missing the build fails with one message listing
    exactly the (month, currency) rows to add, rather than a count of null
    converted amounts (a history row without a rate would count 0 in every
    pipeline mart).
-#}
{%- set missing_sql -%}
with

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

opportunity_history as (
    select * from {{ ref('int_opportunity_history') }}
),

campaign_costs as (
    select * from {{ ref('stg_crm__campaign_costs') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

-- Each money row with the instant its rate is taken at (fx_rate_of() picks that instant's month).
money_dates as (
    select cast(signed_on as {{ dbt.type_timestamp() }}) as dated, currency from deals
    union all
    select {{ opportunity_rate_date('opportunities') }} as dated, currency
    from opportunities
    where amount is not null
    union all
    select
        {{ opportunity_rate_date('opportunities') }} as dated,
        coalesce(opportunity_history.currency, opportunities.currency) as currency
    from opportunity_history
    inner join opportunities
        on opportunity_history.opportunity_id = opportunities.opportunity_id
    where opportunity_history.amount is not null
    union all
    select cast(cost_date as {{ dbt.type_timestamp() }}) as dated, currency from campaign_costs
),

final as (
    select distinct
        {{ month_start('money_dates.dated') }} as rate_month,
        money_dates.currency
    from money_dates
    left join fx_rates
        on {{ fx_rate_of('money_dates.currency', 'money_dates.dated') }}
    where money_dates.currency <> '{{ var("reporting_currency") }}'
        and fx_rates.rate_to_reporting is null
)

select * from final
{%- endset -%}

{% call(row) raise_listing_rows(
    missing_sql,
    'rate_month, currency',
    'Missing FX rates: add these {count} (month, currency) rows to seeds/fx_rates.csv '
    ~ '(month,currency,rate_to_reporting): {rows}'
) -%}
    {{ row[0] }},{{ row[1] }}
{%- endcall %}

{{ missing_sql }}
