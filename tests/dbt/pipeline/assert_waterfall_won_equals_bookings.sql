-- The waterfall's won movements are the quarter's bookings (docs/pipeline.md): every won
-- opportunity of fct_opportunity whose close date falls in a reported quarter, by count and amount
-- (amounts at the creation month's rate). Returns the quarter x business units that disagree.
with

waterfall as (
    select * from {{ ref('mart_pipeline_waterfall') }}
),

opportunities as (
    select * from {{ ref('fct_opportunity') }}
),

bookings as (
    select
        {{ fiscal_quarter_start('closed_at') }} as quarter_start,
        business_unit,
        count(*) as booked_count,
        sum(coalesce(amount, 0)) as booked_amount
    from opportunities
    where is_won and closed_at is not null
    group by {{ fiscal_quarter_start('closed_at') }}, business_unit
),

compared as (
    select
        coalesce(waterfall.quarter_start, bookings.quarter_start) as quarter_start,
        coalesce(waterfall.business_unit, bookings.business_unit) as business_unit,
        coalesce(waterfall.won_count, 0) as won_count,
        coalesce(bookings.booked_count, 0) as booked_count,
        coalesce(waterfall.won_amount, 0) as won_amount,
        coalesce(bookings.booked_amount, 0) as booked_amount
    from waterfall
    full outer join bookings
        on waterfall.quarter_start = bookings.quarter_start
            and waterfall.business_unit = bookings.business_unit
)

select * from compared
where won_count <> booked_count or won_amount <> booked_amount
