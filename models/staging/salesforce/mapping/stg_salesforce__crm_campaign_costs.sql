-- Campaign costs: a campaign's ActualCost spread evenly over the days StartDate..EndDate inclusive
-- (booked on StartDate when there is no EndDate, on EndDate when there is no StartDate). Each day
-- but the last gets the cost / days rounded to 0.01; the last day gets the rest, so the days add up
-- to ActualCost exactly, over at most 10,000 days (day_offsets). A cost without dates, with EndDate
-- before StartDate or over a longer period is not (fully) booked: test
-- salesforce_campaign_costs_not_booked lists it. Currency: CurrencyIsoCode, else var
-- salesforce_default_currency.
with

campaigns as (
    select * from {{ ref('stg_salesforce__campaign') }}
),

digits as (
    select 0 as digit
    union all
    select 1 as digit
    union all
    select 2 as digit
    union all
    select 3 as digit
    union all
    select 4 as digit
    union all
    select 5 as digit
    union all
    select 6 as digit
    union all
    select 7 as digit
    union all
    select 8 as digit
    union all
    select 9 as digit
),

-- 0 .. 9999: campaigns up to 27 years long
day_offsets as (
    select thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + ones.digit as day_offset
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as ones
),

dated as (
    select
        campaign_id,
        actual_cost,
        coalesce(currency_iso_code, {{ default_currency('salesforce') }}) as currency,
        coalesce(start_date, end_date) as first_day,
        coalesce(end_date, start_date) as last_day
    from campaigns
    where actual_cost is not null
),

costed as (
    select
        campaign_id,
        actual_cost,
        currency,
        first_day,
        {{ dbt.datediff('first_day', 'last_day', 'day') }}
        + 1 as day_count
    from dated
    where first_day is not null
),

daily as (
    select
        campaign_id,
        actual_cost,
        currency,
        day_count,
        cast(round(actual_cost / day_count, 2) as {{ dbt.type_numeric() }}) as day_amount,
        first_day
    from costed
    where day_count >= 1
),

final as (
    select
        daily.campaign_id,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'daily.first_day') }} as date) as cost_date,
        case
            when day_offsets.day_offset = daily.day_count - 1
                then daily.actual_cost - daily.day_amount * (daily.day_count - 1)
            else daily.day_amount
        end as amount,
        daily.currency
    from daily
    inner join day_offsets
        on daily.day_count > day_offsets.day_offset
)

select * from final
