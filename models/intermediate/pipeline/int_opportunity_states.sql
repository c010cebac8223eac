-- One row per opportunity x state interval [valid_from, valid_to) (docs/pipeline.md, "State at an
-- instant"). The rows that make the intervals:
-- * history rows (int_opportunity_history: the source's table, else the nightly snapshot's), from
--   changed_at; the first row, and any row before created_at, from created_at (so before the first
--   row the first row's state applies from created_at). Only rows before closed_at count, and of the
--   closed-stage rows only those a later open row reopened (a close recorded before closed_at is the
--   close itself; one the history ends with, of an opportunity still open, is not a state);
-- * without history rows: the current row from created_at, as open until closed_at;
-- * a closed opportunity: the current row, closed, from closed_at (or created_at when later).
-- Rows at the same instant: the close first, then the latest history row, then (a tie) the furthest
-- stage and the other columns in a fixed order (ranked_rows), so the file order never decides.
-- States as of the as-of instant (int_as_of): a state that begins after it is left out, and the state
-- in force at it has no valid_to, so every pipeline mart (performance, stage runs, ages, waterfall)
-- sees the same states, whatever as_of_date says. The rules above read the whole history (docs/
-- pipeline.md says what that means for a close reopened after as-of).
-- Only the final close can be won: a won close later reopened was not booked (is_won false).
-- A row repeating the state before it is not a new state (state_changes).
-- Amounts are in the reporting currency at the rate of the opportunity's creation month, so FX never
-- moves the pipeline.
-- Incremental by opportunity (macros/pipeline/opportunity_incremental.sql): a night recomputes the
-- opportunities whose inputs changed (inputs_digest), whose rows the as-of instant cuts otherwise
-- (next_state_from) and whose owner moved to another team (owner_team).
-- Longer than 150 lines on purpose: the state-at-instant rules (history rows, created_at, the close,
-- reopenings, one FX rate) are one ordering of one set of rows; split, the ordering would be repeated.
{{ opportunity_replace_config(
    inputs=['stg_crm__opportunities', 'int_opportunity_history'],
    seeds=['pipeline_stages', 'fx_rates'],
    as_of_cut=true,
    stored_lookup={'model': 'stg_crm__owners', 'key': ['owner_id', 'owner_id'], 'columns': {'owner_team': 'team'}},
) }}
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
    {{- incremental_opportunity_filter() }}
),

history as (
    select * from {{ ref('int_opportunity_history') }}
    {{- incremental_opportunity_filter() }}
),

stages as (
    select * from {{ ref('pipeline_stages') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

owners as (
    select * from {{ ref('stg_crm__owners') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

input_digests as (
    {{ opportunity_digests_to_store() }}
),

-- Per opportunity: when its history starts, and its last row in an open stage before closed_at (a
-- closed-stage row before that one was reopened; a reopening at or after closed_at is superseded by
-- the close, so it reopens nothing). One group-by instead of a window over every history row.
history_bounds as (
    select
        history.opportunity_id,
        min(history.changed_at) as first_changed_at,
        max(
            case
                when
                    not coalesce(stages.is_closed, false)
                    and (opportunities.closed_at is null or history.changed_at < opportunities.closed_at)
                    then history.changed_at
            end
        ) as last_open_changed_at
    from history
    inner join opportunities
        on history.opportunity_id = opportunities.opportunity_id
    left join stages
        on history.crm_stage = stages.crm_stage
    group by history.opportunity_id
),

history_stages as (
    select
        history.opportunity_id,
        history.changed_at,
        history.crm_stage,
        history.amount,
        coalesce(history.currency, opportunities.currency) as currency,
        history.close_date,
        history.forecast_category,
        coalesce(stages.is_closed, false) as is_stage_closed,
        opportunities.opportunity_created_at,
        opportunities.closed_at,
        history_bounds.first_changed_at,
        history_bounds.last_open_changed_at
    from history
    inner join history_bounds
        on history.opportunity_id = history_bounds.opportunity_id
    inner join opportunities
        on history.opportunity_id = opportunities.opportunity_id
    left join stages
        on history.crm_stage = stages.crm_stage
),

history_rows as (
    select
        history_stages.opportunity_id,
        case
            when
                history_stages.changed_at < history_stages.opportunity_created_at
                or history_stages.changed_at = history_stages.first_changed_at
                then history_stages.opportunity_created_at
            else history_stages.changed_at
        end as valid_from,
        history_stages.changed_at as recorded_at,
        1 as row_priority,
        history_stages.crm_stage,
        history_stages.amount,
        history_stages.currency,
        history_stages.close_date,
        history_stages.forecast_category,
        history_stages.is_stage_closed as is_closed,
        false as is_won
    from history_stages
    where
        (history_stages.closed_at is null or history_stages.changed_at < history_stages.closed_at)
        and (
            not history_stages.is_stage_closed
            or history_stages.changed_at < history_stages.last_open_changed_at
        )
),

historyless_rows as (
    select
        opportunities.opportunity_id,
        opportunities.opportunity_created_at as valid_from,
        opportunities.opportunity_created_at as recorded_at,
        0 as row_priority,
        case when not opportunities.is_closed then opportunities.crm_stage end as crm_stage,
        opportunities.amount,
        opportunities.currency,
        opportunities.close_date,
        cast(null as {{ dbt.type_string() }}) as forecast_category,
        false as is_closed,
        false as is_won
    from opportunities
    where
        -- no history row that applies (one dropped above, e.g. a closed stage recorded before the
        -- close, leaves the deal open from its creation like a deal without history)
        not exists (
            select 1 from history_rows
            where history_rows.opportunity_id = opportunities.opportunity_id
        )
        and (not opportunities.is_closed or opportunities.closed_at > opportunities.opportunity_created_at)
),

closing_rows as (
    select
        opportunity_id,
        case
            when closed_at > opportunity_created_at then closed_at
            else opportunity_created_at
        end as valid_from,
        closed_at as recorded_at,
        2 as row_priority,
        crm_stage,
        amount,
        currency,
        close_date,
        case when is_won then 'closed' else 'omitted' end as forecast_category,
        true as is_closed,
        coalesce(is_won, false) as is_won
    from opportunities
    where is_closed
),

state_rows as (
    select * from history_rows
    union all
    select * from historyless_rows
    union all
    select * from closing_rows
),

-- One row per opportunity and instant, whatever order the rows came in: the close, then the latest
-- recorded row; rows recorded at the same instant are a tie the source does not order, resolved on
-- every column of the state: the furthest stage (stage_order of seed pipeline_stages; a mapped stage
-- before an unmapped one), then the stage name in text order, the latest close date, the forecast
-- category and the currency in text order, the larger amount (a null last in each). Rows equal on
-- all of them are the same state, so any order of the rows gives the same states.
ranked_rows as (
    select
        state_rows.*,
        row_number() over (
            partition by state_rows.opportunity_id, state_rows.valid_from
            order by
                state_rows.row_priority desc,
                state_rows.recorded_at desc,
                stages.stage_order desc nulls last,
                state_rows.crm_stage asc nulls last,
                state_rows.close_date desc nulls last,
                state_rows.forecast_category asc nulls last,
                state_rows.currency asc nulls last,
                state_rows.amount desc nulls last
        ) as instant_rank
    from state_rows
    left join stages
        on state_rows.crm_stage = stages.crm_stage
),

-- A row that repeats the state before it is no new state (Salesforce writes a history row when only
-- Probability or ExpectedRevenue changes): it is dropped, so the state runs on from when it began and
-- its age (stalled deals) is not reset. The close is always kept.
{%- set state_columns = ['crm_stage', 'amount', 'currency', 'close_date', 'forecast_category', 'is_closed', 'is_won'] %}
instant_rows as (
    select
        ranked_rows.*,
        {%- for column in state_columns %}
            lag(ranked_rows.{{ column }}) over (
                partition by ranked_rows.opportunity_id order by ranked_rows.valid_from
            ) as previous_{{ column }},
        {%- endfor %}
        lag(ranked_rows.valid_from) over (
            partition by ranked_rows.opportunity_id order by ranked_rows.valid_from
        ) as previous_valid_from
    from ranked_rows
    where ranked_rows.instant_rank = 1
),

state_changes as (
    select * from instant_rows
    where
        row_priority = 2
        or previous_valid_from is null
        or not (
            {%- for column in state_columns %}
                (
                    {{ column }} = previous_{{ column }}
                    or ({{ column }} is null and previous_{{ column }} is null)
                )
                {%- if not loop.last %} and{% endif %}
            {%- endfor %}
        )
),

numbered_intervals as (
    select
        state_changes.*,
        lead(state_changes.valid_from)
            over (partition by state_changes.opportunity_id order by state_changes.valid_from)
            as valid_to,
        row_number() over (partition by state_changes.opportunity_id order by state_changes.valid_from)
            as state_number
    from state_changes
),

-- The instant the state counts from in quarter windows: a close back-dated before the opportunity was
-- created counts at closed_at (recorded_at of the close; created already closed, in its close quarter).
intervals as (
    select
        numbered_intervals.*,
        case
            when numbered_intervals.state_number = 1 and numbered_intervals.row_priority = 2
                then numbered_intervals.recorded_at
            else numbered_intervals.valid_from
        end as moved_at
    from numbered_intervals
),

final as (
    select
        intervals.opportunity_id,
        intervals.state_number,
        intervals.valid_from,
        case when intervals.valid_to <= as_of.as_of_at then intervals.valid_to end as valid_to,
        intervals.crm_stage as stage,
        stages.stage_order,
        cast(
            {{ reporting_amount('intervals.amount', 'intervals.currency', 'fx_rates.rate_to_reporting') }}
            as {{ type_money() }}
        ) as amount,
        intervals.close_date,
        -- A closed state is won or it is not: only the final close can be won, so a won close later
        -- reopened is, like a loss, probability 0 and `omitted` (never `closed`, which means won).
        case
            when intervals.is_closed and intervals.is_won then 'closed'
            when intervals.is_closed then 'omitted'
            else coalesce(intervals.forecast_category, stages.forecast_category, 'pipeline')
        end as forecast_category,
        case
            when intervals.is_closed and intervals.is_won then 1
            when intervals.is_closed then 0
            else stages.default_probability
        end as probability,
        intervals.is_closed,
        intervals.is_won,
        -- The quarter whose pipeline it is in (open with a close date), and the quarter it closed in.
        case
            when not intervals.is_closed then {{ fiscal_quarter_start('intervals.close_date') }}
        end as pipeline_quarter_start,
        -- A close counts in the quarter of the instant it moves the waterfall: the final close in
        -- closed_at's, a reopened one in its history row's. Not its close date's: a Salesforce close
        -- dated before the creation is at the creation, and a history row can close a deal with a close
        -- date in another quarter; there the movement would fall outside the quarter's window.
        case
            when intervals.is_closed then {{ fiscal_quarter_start('intervals.moved_at') }}
        end as closed_quarter_start,
        intervals.row_priority = 2 as is_final_close,
        intervals.moved_at,
        opportunities.opportunity_created_at as created_at,
        opportunities.business_unit,
        opportunities.owner_id,
        owners.team as owner_team,
        -- what the incremental build compares (macros/pipeline/opportunity_incremental.sql): the
        -- next state's start whatever the as-of instant, and the digest of the opportunity's inputs
        intervals.valid_to as next_state_from,
        input_digests.inputs_digest
    from intervals
    inner join as_of
        on intervals.valid_from <= as_of.as_of_at
    inner join opportunities
        on intervals.opportunity_id = opportunities.opportunity_id
    left join input_digests
        on intervals.opportunity_id = input_digests.opportunity_id
    left join stages
        on intervals.crm_stage = stages.crm_stage
    left join fx_rates
        on {{ fx_rate_of('intervals.currency', opportunity_rate_date('opportunities')) }}
    left join owners
        on opportunities.owner_id = owners.owner_id
)

select * from final
