-- One row: the export time of the latest load the loader recorded (raw.load_metadata; a full load
-- replaces the table, an upsert appends, so the latest load is the one with the latest loaded_at_utc).
-- The instant the loaded data was exported: int_as_of caps the as-of at it, and the opportunity
-- snapshot dates what it sees by it. Never the wall clock: a rebuild of the same load gives the same.
with

load_metadata as (
    select * from {{ ref('stg_loader__load_metadata') }}
),

latest_load as (
    select max(loaded_at_utc) as loaded_at_utc from load_metadata
),

final as (
    select max(load_metadata.export_time) as export_time
    from load_metadata
    inner join latest_load
        on load_metadata.loaded_at_utc = latest_load.loaded_at_utc
)

select * from final
