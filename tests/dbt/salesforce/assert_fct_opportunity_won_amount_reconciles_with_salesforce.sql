{{ config(enabled=var('crm_source', 'contract') == 'salesforce') }}
-- Reconciliation: the won amount in fct_opportunity equals the Amount of Salesforce's non-deleted
-- won opportunities (an empty Amount counts 0), converted to the reporting currency at the rate of
-- the CloseDate's month. Won is as the mapping reads it (IsWon, else the stage's flag: unit test
-- an_export_without_isclosed_and_iswon_reads_the_stage); the amounts are the export's.
with

source_opportunities as (
    select * from {{ ref('stg_salesforce__opportunity') }}
),

mapped_opportunities as (
    select * from {{ ref('stg_salesforce__crm_opportunities') }}
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
                'coalesce(source_opportunities.amount, 0)',
                "coalesce(source_opportunities.currency_iso_code, " ~ default_currency('salesforce') ~ ")",
                'fx_rates.rate_to_reporting'
            ) }}
        ) as won_amount
    from source_opportunities
    inner join mapped_opportunities
        on source_opportunities.opportunity_id = mapped_opportunities.opportunity_id
    left join fx_rates
        on {{ fx_rate_of(
            'coalesce(source_opportunities.currency_iso_code, ' ~ default_currency('salesforce') ~ ')',
            'source_opportunities.close_date'
        ) }}
    where mapped_opportunities.is_won
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
