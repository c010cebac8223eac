-- The fiscal periods the revenue marts report: every fiscal quarter, half and
-- year from the first contract start or cost date to the as-of date, with
-- their first and last day. measured_to is the last day measured (the as-of
-- date for the current period); is_complete once the as-of instant has reached
-- the period's last instant (period_is_over, the pipeline's and the KPIs' rule:
-- as-of 10:00 on the last day leaves the period open, a renewal may still come
-- that day).
with

spine as (
    select * from {{ ref('int_time_spine_daily') }}
),

contracts as (
    select * from {{ ref('int_contracts') }}
),

campaign_costs as (
    select * from {{ ref('int_campaign_costs_reporting_currency') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

first_days as (
    select min(contract_start) as first_day from contracts
    union all
    select min(cost_date) as first_day from campaign_costs
),

bounds as (
    select
        min(first_days.first_day) as first_day,
        max(as_of.as_of_at) as as_of_at,
        cast(max(as_of.as_of_at) as date) as as_of_date
    from first_days
    cross join as_of
),

days as (
    select
        spine.date_day,
        bounds.as_of_at,
        bounds.as_of_date
    from spine
    cross join bounds
    where spine.date_day >= bounds.first_day
        and spine.date_day <= bounds.as_of_date
),

starts as (
    select distinct
        'quarter' as period_grain,
        3 as period_months,
        {{ fiscal_quarter_start('date_day') }} as period_start,
        as_of_at,
        as_of_date
    from days
    union all
    select distinct
        'half' as period_grain,
        6 as period_months,
        {{ fiscal_half_start('date_day') }} as period_start,
        as_of_at,
        as_of_date
    from days
    union all
    select distinct
        'year' as period_grain,
        12 as period_months,
        {{ fiscal_year_start('date_day') }} as period_start,
        as_of_at,
        as_of_date
    from days
),

bounded as (
    select
        period_grain,
        period_start,
        cast({{ dbt.dateadd('month', 'period_months', 'period_start') }} as date) as next_period_start,
        as_of_at,
        as_of_date
    from starts
),

with_end as (
    select
        period_grain,
        period_start,
        next_period_start,
        cast({{ dbt.dateadd('day', -1, 'next_period_start') }} as date) as period_end,
        as_of_at,
        as_of_date
    from bounded
),

final as (
    select
        period_grain,
        {{ fiscal_year('period_start') }} as fiscal_year,
        case when period_grain <> 'year' then {{ fiscal_half('period_start') }} end as fiscal_half,
        case when period_grain = 'quarter' then {{ fiscal_quarter('period_start') }} end as fiscal_quarter,
        {{ dbt.concat([
            "'FY'", 'cast(' ~ fiscal_year('period_start') ~ ' as ' ~ dbt.type_string() ~ ')',
            "case when period_grain = 'half' then " ~ dbt.concat(["' '", fiscal_half('period_start')])
            ~ " when period_grain = 'quarter' then " ~ dbt.concat(["' '", fiscal_quarter('period_start')])
            ~ " else '' end"
        ]) }} as period_label,
        period_start,
        period_end,
        case when period_end < as_of_date then period_end else as_of_date end as measured_to,
        {{ period_is_over('next_period_start', 'as_of_at') }} as is_complete
    from with_end
)

select * from final
