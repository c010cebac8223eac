{{ config(enabled=var('crm_source', 'contract') == 'contract') }}
-- Reconciliation: the won amount in fct_opportunity equals the amount of the loaded contract deals
-- signed on an opportunity (renewals signed without one belong to no opportunity), converted at the
-- rate of the signing month.
with

source_deals as (
    select * from {{ source('revops_contract', 'deals') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

fact as (
    select * from {{ ref('fct_opportunity') }}
),

source_won as (
    select
        sum(
            {{ reporting_amount(
                'source_deals.amount',
                "coalesce(source_deals.currency, " ~ default_currency() ~ ")",
                'fx_rates.rate_to_reporting'
            ) }}
        ) as won_amount
    from source_deals
    left join fx_rates
        on {{ fx_rate_of('coalesce(source_deals.currency, ' ~ default_currency() ~ ')', 'source_deals.signed_at') }}
    where source_deals.opportunity_id is not null
),

fact_won as (
    select sum(won_amount) as won_amount from fact
),

final as (
    select
        source_won.won_amount as source_won_amount,
        fact_won.won_amount as fact_won_amount
    from source_won
    cross join fact_won
    where abs(coalesce(source_won.won_amount, 0) - coalesce(fact_won.won_amount, 0)) >= 0.01
)

select * from final
