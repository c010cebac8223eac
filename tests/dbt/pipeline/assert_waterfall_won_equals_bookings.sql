-- The waterfall's won movements are the quarter's bookings (docs/pipeline.md): every won
-- opportunity of fct_opportunity whose closed_at falls in a reported quarter, by count and amount
-- (amounts at the creation month's rate), created and closed by the as-of instant (the waterfall
-- ends there; a deal entered after as-of with a close back-dated before it was not in the CRM yet).
-- Returns the quarter x business units that disagree.
with

waterfall as (
    select * from {{ ref('mart_pipeline_waterfall') }}
),

opportunities as (
    select * from {{ ref('fct_opportunity') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

bookings as (
    select
        {{ fiscal_quarter_start('opportunities.closed_at') }} as quarter_start,
        opportunities.business_unit,
        count(*) as booked_count,
        sum(coalesce(opportunities.amount, 0)) as booked_amount
    from opportunities
    cross join as_of
    where
        opportunities.is_won
        and opportunities.closed_at <= as_of.as_of_at
        and opportunities.created_at <= as_of.as_of_at
    group by {{ fiscal_quarter_start('opportunities.closed_at') }}, opportunities.business_unit
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
