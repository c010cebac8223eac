-- Pipeline movements (docs/pipeline.md, "Waterfall"): one row per change of an opportunity's
-- "in quarter Q's pipeline" indicator (open, close date in Q), or of its amount while it holds.
-- A state change at moved_at from the previous state (quarter P, or none) to the new one moves:
-- 1. out of P when the new state is not in P: pushed_out / pulled_earlier (close date moved to a
--    later / earlier quarter or to none while open), or, when it closes in P, won / lost (step 4);
-- 2. while it stays in P: increased / decreased by the amount change;
-- 3. into the new quarter T (the close date's; for a close, the quarter it closed in, of moved_at):
--    created for its first state, reopened after a close, else pulled_in;
-- 4. a close then exits T as won or lost.
-- Entries come before exits at the same instant, so a deal closed with its close date moved into
-- the quarter is pulled_in then won, one created already closed is created then won, and every
-- deal won (closed_at) in a quarter is a won exit of that quarter.
-- Incremental by opportunity (macros/pipeline/opportunity_incremental.sql): a night recomputes the
-- opportunities whose states changed (inputs_digest: the digest of their int_opportunity_states rows).
-- Longer than 150 lines on purpose: the four kinds of movement are read off one pass of transitions
-- (the lagged states); split into models, each would repeat that pass.
{{ opportunity_replace_config(inputs=['int_opportunity_states']) }}
with

states as (
    select * from {{ ref('int_opportunity_states') }}
    {{- incremental_opportunity_filter() }}
),

input_digests as (
    {{ opportunity_digests_to_store() }}
),

transitions as (
    select
        opportunity_id,
        business_unit,
        owner_id,
        moved_at,
        state_number,
        is_closed,
        is_won,
        coalesce(amount, 0) as amount,
        close_date,
        case
            when is_closed then coalesce(closed_quarter_start, previous_pipeline_quarter_start)
            else pipeline_quarter_start
        end as target_quarter_start,
        previous_pipeline_quarter_start,
        previous_amount,
        previous_close_date,
        coalesce(previous_is_closed, false) as previous_is_closed
    from (
        select
            states.*,
            lag(states.pipeline_quarter_start) over (partition by states.opportunity_id order by states.valid_from)
                as previous_pipeline_quarter_start,
            lag(coalesce(states.amount, 0))
                over (partition by states.opportunity_id order by states.valid_from)
                as previous_amount,
            lag(states.close_date)
                over (partition by states.opportunity_id order by states.valid_from)
                as previous_close_date,
            lag(states.is_closed)
                over (partition by states.opportunity_id order by states.valid_from)
                as previous_is_closed
        from states
    ) as with_previous
),

exits_moved as (
    select
        opportunity_id,
        business_unit,
        owner_id,
        moved_at,
        previous_pipeline_quarter_start as quarter_start,
        case
            when target_quarter_start > previous_pipeline_quarter_start or target_quarter_start is null
                then 'pushed_out'
            else 'pulled_earlier'
        end as movement,
        previous_amount as amount
    from transitions
    where
        previous_pipeline_quarter_start is not null
        and (target_quarter_start is null or target_quarter_start <> previous_pipeline_quarter_start)
),

amount_changes as (
    select
        opportunity_id,
        business_unit,
        owner_id,
        moved_at,
        target_quarter_start as quarter_start,
        case when amount > previous_amount then 'increased' else 'decreased' end as movement,
        abs(amount - previous_amount) as amount
    from transitions
    where
        target_quarter_start = previous_pipeline_quarter_start
        and amount <> previous_amount
),

entries as (
    select
        opportunity_id,
        business_unit,
        owner_id,
        moved_at,
        target_quarter_start as quarter_start,
        case
            when state_number = 1 then 'created'
            when previous_is_closed then 'reopened'
            else 'pulled_in'
        end as movement,
        amount
    from transitions
    where
        target_quarter_start is not null
        and (previous_pipeline_quarter_start is null or target_quarter_start <> previous_pipeline_quarter_start)
),

closes as (
    select
        opportunity_id,
        business_unit,
        owner_id,
        moved_at,
        target_quarter_start as quarter_start,
        case when is_won then 'won' else 'lost' end as movement,
        amount
    from transitions
    where is_closed and target_quarter_start is not null
),

movements as (
    select * from exits_moved
    union all
    select * from amount_changes
    union all
    select * from entries
    union all
    select * from closes
),

final as (
    select
        movements.opportunity_id,
        movements.business_unit,
        movements.owner_id,
        movements.quarter_start,
        movements.moved_at,
        movements.movement,
        case
            when movements.movement in ('created', 'pulled_in', 'reopened') then 'entry'
            when movements.movement in ('won', 'lost', 'pushed_out', 'pulled_earlier') then 'exit'
            else 'change'
        end as direction,
        cast(movements.amount as {{ type_money() }}) as amount,
        input_digests.inputs_digest
    from movements
    left join input_digests
        on movements.opportunity_id = input_digests.opportunity_id
)

select * from final
