-- The fiscal months the business calendar covers, with the bounds of the month
-- and of its fiscal half. Every KPI period (month or half) is one of these.
with

calendar as (
    select * from {{ ref('int_business_calendar') }}
),

months as (
    select
        {{ month_start('calendar_date') }} as fiscal_month,
        sum(case when is_business_day then 1 else 0 end) as business_days
    from calendar
    group by {{ month_start('calendar_date') }}
),

with_half as (
    select
        fiscal_month,
        business_days,
        {{ fiscal_half_start('fiscal_month') }} as half_start
    from months
),

final as (
    select
        fiscal_month,
        {{ fiscal_year('fiscal_month') }} as fiscal_year,
        {{ fiscal_half('fiscal_month') }} as fiscal_half,
        cast({{ dbt.dateadd('month', 1, 'fiscal_month') }} as date) as next_month_start,
        half_start,
        cast({{ dbt.dateadd('month', 6, 'half_start') }} as date) as next_half_start,
        business_days
    from with_half
)

select * from final
