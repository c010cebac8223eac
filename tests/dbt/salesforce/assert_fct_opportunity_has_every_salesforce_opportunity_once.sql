{{ config(enabled=var('crm_source', 'contract') == 'salesforce') }}
-- Reconciliation: every non-deleted Salesforce opportunity is exactly one row of fct_opportunity,
-- and fct_opportunity holds nothing else.
with

source_opportunities as (
    select opportunity_id from {{ ref('stg_salesforce__opportunity') }}
),

fact as (
    select
        opportunity_id,
        count(*) as fact_rows
    from {{ ref('fct_opportunity') }}
    group by opportunity_id
),

final as (
    select
        coalesce(source_opportunities.opportunity_id, fact.opportunity_id) as opportunity_id,
        coalesce(fact.fact_rows, 0) as fact_rows,
        source_opportunities.opportunity_id is not null as is_in_source
    from source_opportunities
    full outer join fact
        on source_opportunities.opportunity_id = fact.opportunity_id
    where source_opportunities.opportunity_id is null
        or coalesce(fact.fact_rows, 0) <> 1
)

select * from final
