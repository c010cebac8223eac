-- The own-stage KPI actuals reconcile with the core funnel: over all months and
-- business units, leads .. renewals equal the leads that reached each stage in
-- fct_lead_funnel, and won_amount equals its total won amount.
with

actuals as (
    select
        metric,
        sum(actual) as total_actual
    from {{ ref('int_metric_actuals_by_month') }}
    where metric_kind = 'own_stage'
    group by metric
),

funnel as (
    select
        count(*) as leads,
        count(mql_at) as mqls,
        count(sal_at) as sals,
        count(opportunity_at) as opportunities,
        count(won_at) as won_deals,
        sum(won_amount) as won_amount,
        count(renewed_at) as renewals
    from {{ ref('fct_lead_funnel') }}
),

expected as (
    select
        'leads' as metric,
        leads as total_expected
    from funnel
    union all
    select
        'mqls' as metric,
        mqls as total_expected
    from funnel
    union all
    select
        'sals' as metric,
        sals as total_expected
    from funnel
    union all
    select
        'opportunities' as metric,
        opportunities as total_expected
    from funnel
    union all
    select
        'won_deals' as metric,
        won_deals as total_expected
    from funnel
    union all
    select
        'won_amount' as metric,
        won_amount as total_expected
    from funnel
    union all
    select
        'renewals' as metric,
        renewals as total_expected
    from funnel
),

final as (
    select
        expected.metric,
        expected.total_expected,
        actuals.total_actual
    from expected
    left join actuals
        on expected.metric = actuals.metric
    where actuals.total_actual is null
        or actuals.total_actual != expected.total_expected
)

select * from final
