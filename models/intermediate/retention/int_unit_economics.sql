-- What winning a customer costs and earns back, per fiscal half x business
-- unit (docs/retention.md):
-- - marketing cost: campaign costs of the half; a campaign without a business
--   unit is shared out by its source leads' units (`shared` when it has none);
-- - sales and customer-success cost: the optional seed team_costs; each is
--   present for a half x unit only when every measured month of the half has
--   a row for it (sales: inside_sales or field_sales), otherwise null, never 0;
-- - new customers: customer spells that are the customer's first (not a
--   win-back) starting in the half, and the ARR they started with;
-- - CAC = (marketing + sales cost) / new customers; CAC payback in months =
--   CAC / (new ARR per new customer / 12 x var gross_margin_rate); magic number
--   = net new ARR of the half / the previous half's marketing + sales cost
--   (macro unit_economics_figures, shared with int_unit_economics_all_units).
-- inputs_present / inputs_missing name the inputs behind the figures.
-- Longer than 150 lines on purpose: each input (campaign costs, team costs, new customers, new ARR,
-- the previous half's costs) is aggregated per half x unit in its own step, and every figure carries
-- which inputs were present; split, the half x unit grid and the presence flags would be repeated.
with

periods as (
    select * from {{ ref('int_fiscal_periods') }}
    where period_grain = 'half'
),

campaign_costs as (
    select * from {{ ref('int_campaign_costs_reporting_currency') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

team_costs as (
    select * from {{ ref('team_costs') }}
),

movements as (
    select * from {{ ref('int_arr_movements') }}
),

spells as (
    select * from {{ ref('int_customer_spells') }}
),

bridge as (
    select * from {{ ref('int_arr_bridge') }}
    where period_grain = 'half'
),

campaign_lead_units as (
    select
        source_campaign_id as campaign_id,
        business_unit,
        count(*) as leads
    from leads
    where source_campaign_id is not null
    group by source_campaign_id, business_unit
),

campaign_unit_shares as (
    select
        campaigns.campaign_id,
        coalesce(campaigns.business_unit, campaign_lead_units.business_unit, 'shared') as business_unit,
        case
            when campaigns.business_unit is not null or campaign_lead_units.business_unit is null then 1.0
            else cast(campaign_lead_units.leads as {{ type_ratio() }})
                / sum(campaign_lead_units.leads) over (partition by campaigns.campaign_id)
        end as cost_share
    from campaigns
    left join campaign_lead_units
        on campaigns.campaign_id = campaign_lead_units.campaign_id
            and campaigns.business_unit is null
),

marketing as (
    select
        periods.period_start,
        campaign_unit_shares.business_unit,
        sum(campaign_costs.amount_reporting * campaign_unit_shares.cost_share) as marketing_cost
    from campaign_costs
    inner join campaign_unit_shares
        on campaign_costs.campaign_id = campaign_unit_shares.campaign_id
    inner join periods
        on campaign_costs.cost_date >= periods.period_start
            and campaign_costs.cost_date <= periods.measured_to
    group by periods.period_start, campaign_unit_shares.business_unit
),

teams as (
    select
        periods.period_start,
        team_costs.business_unit,
        sum(case when team_costs.team in ('inside_sales', 'field_sales') then team_costs.amount else 0 end)
            as sales_cost,
        sum(case when team_costs.team = 'customer_success' then team_costs.amount else 0 end)
            as customer_success_cost,
        count(distinct case when team_costs.team in ('inside_sales', 'field_sales') then team_costs.fiscal_month end)
            as sales_months,
        count(distinct case when team_costs.team = 'customer_success' then team_costs.fiscal_month end)
            as customer_success_months,
        max({{ dbt.datediff('periods.period_start', 'periods.measured_to', 'month') }}) + 1 as measured_months
    from team_costs
    inner join periods
        on team_costs.fiscal_month >= periods.period_start
            and team_costs.fiscal_month <= periods.measured_to
    group by periods.period_start, team_costs.business_unit
),

acquired as (
    select
        periods.period_start,
        spells.business_unit,
        count(*) as new_customers
    from spells
    inner join periods
        on spells.spell_start >= periods.period_start
            and spells.spell_start <= periods.measured_to
    where spells.spell_number = 1
    group by periods.period_start, spells.business_unit
),

acquired_arr as (
    select
        periods.period_start,
        movements.business_unit,
        sum(movements.arr_amount) as new_customer_arr
    from movements
    inner join periods
        on movements.movement_on >= periods.period_start
            and movements.movement_on <= periods.measured_to
    where movements.movement = 'new'
        and not movements.is_win_back
    group by periods.period_start, movements.business_unit
),

units as (
    select business_unit from bridge
    union
    select business_unit from marketing
    union
    select business_unit from teams
),

grid as (
    select
        periods.period_label,
        periods.fiscal_year,
        periods.fiscal_half,
        periods.period_start,
        periods.period_end,
        periods.is_complete,
        units.business_unit
    from periods
    cross join units
),

combined as (
    select
        grid.*,
        coalesce(marketing.marketing_cost, 0) as marketing_cost,
        -- `shared` (campaigns with neither a unit nor source leads) has no teams: its sales and
        -- customer-success costs are 0, not missing, so costs summed over units stay known.
        grid.business_unit = 'shared' or coalesce(teams.sales_months = teams.measured_months, false)
            as has_team_costs,
        case
            when grid.business_unit = 'shared' then 0
            when teams.sales_months = teams.measured_months then teams.sales_cost
        end as sales_cost,
        case
            when grid.business_unit = 'shared' then 0
            when teams.customer_success_months = teams.measured_months then teams.customer_success_cost
        end as customer_success_cost,
        coalesce(acquired.new_customers, 0) as new_customers,
        coalesce(acquired_arr.new_customer_arr, 0) as new_customer_arr,
        coalesce(bridge.net_new_arr, 0) as net_new_arr
    from grid
    left join marketing
        on grid.period_start = marketing.period_start
            and grid.business_unit = marketing.business_unit
    left join teams
        on grid.period_start = teams.period_start
            and grid.business_unit = teams.business_unit
    left join acquired
        on grid.period_start = acquired.period_start
            and grid.business_unit = acquired.business_unit
    left join acquired_arr
        on grid.period_start = acquired_arr.period_start
            and grid.business_unit = acquired_arr.business_unit
    left join bridge
        on grid.period_start = bridge.period_start
            and grid.business_unit = bridge.business_unit
),

with_preceding as (
    -- The unit's preceding half in the grid (one row per half x unit); a window, not a self-join:
    -- Spark would plan `combined` twice.
    select
        combined.*,
        lag(combined.period_start) over (
            partition by combined.business_unit order by combined.period_start
        ) as preceding_period_start,
        lag(combined.marketing_cost + combined.sales_cost) over (
            partition by combined.business_unit order by combined.period_start
        ) as preceding_sales_and_marketing_cost,
        lag(combined.has_team_costs) over (
            partition by combined.business_unit order by combined.period_start
        ) as preceding_has_team_costs
    from combined
),

with_previous as (
    -- The previous half: the preceding one when it starts six months earlier.
    select
        with_preceding.*,
        case
            when with_preceding.preceding_period_start
                = cast({{ dbt.dateadd('month', -6, 'with_preceding.period_start') }} as date)
                then with_preceding.preceding_sales_and_marketing_cost
        end as previous_sales_and_marketing_cost,
        coalesce(
            with_preceding.preceding_period_start
            = cast({{ dbt.dateadd('month', -6, 'with_preceding.period_start') }} as date)
            and with_preceding.preceding_has_team_costs,
            false
        ) as has_previous_team_costs
    from with_preceding
),

{{ unit_economics_figures('with_previous', ['business_unit']) }}

select * from final
