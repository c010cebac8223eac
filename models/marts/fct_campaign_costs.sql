-- Campaign spend per campaign x cost date x currency, in the original currency
-- and the reporting currency (int_campaign_costs_reporting_currency). The fact
-- the semantic layer's cost metrics sum; BI may read it too.
with

campaign_costs as (
    select * from {{ ref('int_campaign_costs_reporting_currency') }}
),

final as (
    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(cost_date as date) as cost_date,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(amount as decimal(38, 6)) as amount,
        cast(amount_reporting as decimal(38, 12)) as amount_reporting,
        cast(cost_entries as {{ dbt.type_bigint() }}) as cost_entries
    from campaign_costs
)

select * from final
