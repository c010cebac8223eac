-- The opportunity history the state rules read (int_opportunity_states; docs/pipeline.md, "Where
-- history comes from"): each row is the opportunity's full state from changed_at on.
-- * The source's history table (stg_crm__opportunity_history) when it has any row.
-- * Without one, the states the nightly snapshot saw (snp_crm__opportunities), so history starts on
--   the first night snapshotted:
--   - the first state seen applies from created_at (before the first history row, the first row's
--     state applies from created_at);
--   - each later state from the night it was seen (changes between two nights collapse into one);
--   - a closed state from its closed_at (a close counts from closed_at, as the current row's does);
--   - an opportunity first seen closed was open before, stage unknown: that row applies from
--     created_at with no stage, as for an opportunity without history.
-- Spark runs no snapshot (dbt-spark snapshots need Delta, Iceberg or Hudi tables; dbt_project.yml
-- disables it there): no state was seen, and the history table is the only history. The same holds
-- for a `dbt run` (which runs no snapshot) on a warehouse whose snapshot does not exist yet.
with

history_table as (
    select * from {{ ref('stg_crm__opportunity_history') }}
),

snapshot as (
    {%- if target.type != 'spark' and (not execute or load_relation(ref('snp_crm__opportunities')) is not none) %}
        select * from {{ ref('snp_crm__opportunities') }}
    {%- else %}
        select
            opportunity_id,
            changed_at as dbt_valid_from,
            crm_stage,
            amount,
            currency,
            close_date,
            cast(null as boolean) as is_closed,
            changed_at as closed_at
        from {{ ref('stg_crm__opportunity_history') }}
        where 1 = 0
    {%- endif %}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

history_table_size as (
    select count(*) as history_rows from history_table
),

seen_states as (
    select
        snapshot.opportunity_id,
        snapshot.dbt_valid_from as seen_at,
        snapshot.crm_stage,
        snapshot.amount,
        snapshot.currency,
        snapshot.close_date,
        snapshot.is_closed,
        snapshot.closed_at,
        opportunities.opportunity_created_at,
        row_number() over (
            partition by snapshot.opportunity_id order by snapshot.dbt_valid_from
        ) as seen_number
    from snapshot
    inner join history_table_size
        on history_table_size.history_rows = 0
    inner join opportunities
        on snapshot.opportunity_id = opportunities.opportunity_id
),

seen_rows as (
    select
        opportunity_id,
        case
            when is_closed then coalesce(closed_at, seen_at)
            when seen_number = 1 then opportunity_created_at
            else seen_at
        end as changed_at,
        crm_stage,
        amount,
        currency,
        close_date
    from seen_states
    union all
    select
        opportunity_id,
        opportunity_created_at as changed_at,
        cast(null as {{ dbt.type_string() }}) as crm_stage,
        amount,
        currency,
        close_date
    from seen_states
    where seen_number = 1 and is_closed
),

final as (
    select
        opportunity_id,
        changed_at,
        crm_stage,
        amount,
        currency,
        close_date,
        forecast_category
    from history_table
    union all
    select
        opportunity_id,
        changed_at,
        crm_stage,
        amount,
        currency,
        close_date,
        cast(null as {{ dbt.type_string() }}) as forecast_category
    from seen_rows
)

select * from final
