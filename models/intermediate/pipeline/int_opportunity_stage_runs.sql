-- One row per opportunity x run of consecutive states in the same stage (an amount or close-date
-- change does not leave the stage): how long each stage lasted (滞留日数). A run still going has no
-- ended_at. Closed states are not stage runs.
with

states as (
    select * from {{ ref('int_opportunity_states') }}
),

flagged as (
    select
        states.*,
        case
            when coalesce(states.stage, '') = coalesce(
                    lag(states.stage) over (partition by states.opportunity_id order by states.valid_from), '~none~'
                )
                and not coalesce(
                    lag(states.is_closed) over (partition by states.opportunity_id order by states.valid_from), true
                )
                then 0
            else 1
        end as starts_run
    from states
),

numbered as (
    select
        flagged.*,
        sum(flagged.starts_run) over (
            partition by flagged.opportunity_id
            order by flagged.valid_from rows between unbounded preceding and current row
        ) as run_number
    from flagged
),

final as (
    select
        opportunity_id,
        run_number,
        min(stage) as stage,
        min(business_unit) as business_unit,
        min(owner_id) as owner_id,
        min(valid_from) as started_at,
        case when count(*) = count(valid_to) then max(valid_to) end as ended_at
    from numbered
    where not is_closed
    group by opportunity_id, run_number
)

select * from final
