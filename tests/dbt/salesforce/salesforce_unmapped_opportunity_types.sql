{{ config(severity='warn', enabled=var('crm_source', 'contract') == 'salesforce') }}
-- Opportunity Types seed opportunity_type_map does not map (a won one became a `new` deal), with counts.
with

opportunities as (
    select * from {{ ref('stg_salesforce__crm_opportunities') }}
),

opportunity_types as (
    select * from {{ ref('opportunity_type_map') }}
),

final as (
    select
        opportunities.opportunity_type,
        count(*) as opportunity_count
    from opportunities
    left join opportunity_types
        on opportunities.opportunity_type = opportunity_types.opportunity_type
    where opportunities.opportunity_type is not null
        and opportunity_types.opportunity_type is null
    group by opportunities.opportunity_type
)

select * from final
