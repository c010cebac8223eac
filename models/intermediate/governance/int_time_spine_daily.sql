-- The MetricFlow time spine: one row per day from 2000-01-01 to 2040-12-31.
-- Fixed bounds (never the wall clock), generated without engine-specific
-- functions: 10^5 numbers from five cross-joined digit sets.
with

digits as (
    select 0 as digit
    {%- for digit in range(1, 10) %}
        union all
        select {{ digit }} as digit
    {%- endfor %}
),

numbers as (
    select
        ones.digit
        + tens.digit * 10
        + hundreds.digit * 100
        + thousands.digit * 1000
        + ten_thousands.digit * 10000 as day_number
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands
),

days as (
    select cast({{ dbt.dateadd('day', 'day_number', "cast('2000-01-01' as date)") }} as date) as date_day
    from numbers
),

final as (
    select date_day
    from days
    where date_day <= cast('2040-12-31' as date)
)

select * from final
