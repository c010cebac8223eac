-- One row per customer spell: an unbroken run of days on which a customer
-- (company x business unit) has at least one contract in force, up to the
-- as-of date. A contract is in force on the days [arr_from, arr_until) of
-- int_contracts; a renewal starting the day its predecessor stops continues
-- the spell. A contract that replaces none and starts on or after the day
-- every earlier contract of the customer stopped starts a new spell, also
-- when it starts that very day (a win-back starting on the churn day of the
-- contract it renews: the customer churned, then came back). On a day
-- several contracts start, the renewals come first, so a contract starting
-- with the renewal of another one joins its spell. spell_end is the day the
-- last contract stopped (its churn day), null while the spell lasts at the
-- as-of date. spell_number 1 is the customer's first spell; a later one is a
-- win-back.
with

contracts as (
    select * from {{ ref('int_contracts') }}
),

intervals as (
    select
        customer_key,
        business_unit,
        deal_id,
        replaces_deal_id,
        arr_from,
        case
            when arr_until is null or arr_until > as_of_date then cast('9999-12-31' as date)
            else arr_until
        end as until_or_open,
        as_of_date
    from contracts
    where arr_from <= as_of_date
        and (arr_until is null or arr_until > arr_from)
),

ordered as (
    select
        intervals.*,
        max(intervals.until_or_open) over (
            partition by intervals.customer_key, intervals.business_unit
            order by
                intervals.arr_from,
                case when intervals.replaces_deal_id is null then 1 else 0 end,
                intervals.deal_id
            rows between unbounded preceding and 1 preceding
        ) as previous_until
    from intervals
),

flagged as (
    select
        ordered.*,
        case
            when ordered.previous_until is null or ordered.arr_from > ordered.previous_until then 1
            when ordered.arr_from = ordered.previous_until and ordered.replaces_deal_id is null then 1
            else 0
        end as is_spell_start
    from ordered
),

numbered as (
    select
        flagged.*,
        sum(flagged.is_spell_start) over (
            partition by flagged.customer_key, flagged.business_unit
            order by
                flagged.arr_from,
                case when flagged.replaces_deal_id is null then 1 else 0 end,
                flagged.deal_id
            rows between unbounded preceding and current row
        ) as spell_number
    from flagged
),

final as (
    select
        customer_key,
        business_unit,
        cast(spell_number as integer) as spell_number,
        min(arr_from) as spell_start,
        case
            when max(until_or_open) = cast('9999-12-31' as date) then null
            else max(until_or_open)
        end as spell_end,
        count(*) as contracts
    from numbered
    group by customer_key, business_unit, spell_number
)

select * from final
