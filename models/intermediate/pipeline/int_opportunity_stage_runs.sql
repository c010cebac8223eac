-- One row per opportunity x run of consecutive states in the same stage (an amount or close-date
-- change does not leave the stage): how long each stage lasted (滞留日数). A run still going has no
-- ended_at. Closed states are not stage runs. An ended run counts in the fiscal quarter it ended in
-- (ended_quarter_start), with its length in days: int_sales_performance and int_sales_stage_duration
-- take their medians over these.
-- Incremental by opportunity (macros/pipeline/opportunity_incremental.sql): a night recomputes the
-- opportunities whose states changed (inputs_digest: the digest of their int_opportunity_states rows).
{{ opportunity_replace_config(inputs=['int_opportunity_states']) }}
with

states as (
    select * from {{ ref('int_opportunity_states') }}
    {{- incremental_opportunity_filter() }}
),

input_digests as (
    {{ opportunity_digests_to_store() }}
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

runs as (
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
),

final as (
    select
        runs.*,
        case when runs.ended_at is not null then {{ fiscal_quarter_start('runs.ended_at') }} end
            as ended_quarter_start,
        {{ days_between('runs.started_at', 'runs.ended_at') }} as days_in_stage,
        input_digests.inputs_digest
    from runs
    left join input_digests
        on runs.opportunity_id = input_digests.opportunity_id
)

select * from final
