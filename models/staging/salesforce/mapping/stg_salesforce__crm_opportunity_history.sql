-- OpportunityHistory as canonical history rows. The currency is the opportunity's (a history row
-- has none of its own); ForecastCategory's API values map onto the project's forecast categories
-- (an unknown value is left empty, so the stage's default applies). Rows identical in every column
-- read are one: Salesforce also writes a history row when only Probability or ExpectedRevenue
-- changes (an after-save flow), which would otherwise repeat the state at the same instant.
with

history as (
    select * from {{ ref('stg_salesforce__opportunity_history') }}
),

opportunities as (
    select * from {{ ref('stg_salesforce__crm_opportunities') }}
),

final as (
    select distinct
        opportunities.opportunity_id,
        history.changed_at,
        history.stage_name as crm_stage,
        history.amount,
        opportunities.currency,
        history.close_date,
        case lower(replace(history.forecast_category, ' ', ''))
            when 'pipeline' then 'pipeline'
            when 'bestcase' then 'best_case'
            -- Most Likely sits between Best Case and Commit; the project has no category of its own for it
            when 'mostlikely' then 'best_case'
            when 'forecast' then 'commit'
            when 'commit' then 'commit'
            when 'closed' then 'closed'
            when 'omitted' then 'omitted'
        end as forecast_category
    from history
    inner join opportunities
        on {{ salesforce_id15('history.opportunity_id') }} = {{ salesforce_id15('opportunities.opportunity_id') }}
)

select * from final
