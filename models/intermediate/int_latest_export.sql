-- One row: the latest export time the loader recorded (raw.load_metadata: a full load replaces the
-- table, an upsert appends a row, so these are the loads since the last full load). The instant
-- the loaded data was exported: int_as_of caps the as-of at it, and the opportunity snapshot dates
-- what it sees by it. The latest export, not the last load: re-sending an older delta (harmless
-- to the raw tables) does not move the as-of back. Never the wall clock: a rebuild of the same
-- loads gives the same.
with

load_metadata as (
    select * from {{ ref('stg_loader__load_metadata') }}
),

final as (
    select max(export_time) as export_time
    from load_metadata
)

select * from final
