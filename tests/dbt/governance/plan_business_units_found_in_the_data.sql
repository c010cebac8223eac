{{ config(severity='warn', store_failures=true) }}
-- Business units that the Ops team's plan seeds (kpi_targets, bookings_targets,
-- team_costs) name and the data never does: their targets and costs join
-- nothing, so the unit's scorecards, coverage and payback show "no plan".
-- Seeds name a unit exactly as the data spells it (docs/governance.md);
-- data_spelling gives the data's unit that differs only in letter case or
-- surrounding spaces (seed 'saas', data 'SaaS'), the usual cause. Warn: a plan
-- for a unit with no leads yet is legitimate.
with

kpi_targets as (
    select * from {{ kpi_seed('kpi_targets') }}
),

bookings_targets as (
    select * from {{ ref('bookings_targets') }}
),

team_costs as (
    select * from {{ ref('team_costs') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

plan_units as (
    select distinct
        'kpi_targets' as seed_name,
        business_unit
    from kpi_targets
    union all
    select distinct
        'bookings_targets' as seed_name,
        business_unit
    from bookings_targets
    union all
    select distinct
        'team_costs' as seed_name,
        business_unit
    from team_costs
),

data_units as (
    select business_unit from leads
    union
    select business_unit from opportunities
    union
    select business_unit from campaigns
),

unmatched as (
    select
        plan_units.seed_name,
        plan_units.business_unit
    from plan_units
    left join data_units
        on plan_units.business_unit = data_units.business_unit
    where data_units.business_unit is null
),

final as (
    select
        unmatched.seed_name,
        unmatched.business_unit,
        min(data_units.business_unit) as data_spelling
    from unmatched
    left join data_units
        on lower(trim(unmatched.business_unit)) = lower(trim(data_units.business_unit))
    group by unmatched.seed_name, unmatched.business_unit
)

select * from final
