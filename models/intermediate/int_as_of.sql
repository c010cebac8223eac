-- The single "as of" instant every maturity, SLA and window judgement uses:
-- var('as_of_date') when set (end of that day), otherwise the earlier of the
-- latest event in the loaded data and the export time the loader recorded
-- (raw.load_metadata; event times beyond it + future_tolerance_hours were
-- quarantined). Never the wall clock, so a rebuild gives the same numbers.
with

load_metadata as (
    select * from {{ ref('stg_loader__load_metadata') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

activities as (
    select * from {{ ref('stg_crm__lead_activities') }}
),

status_changes as (
    select * from {{ ref('stg_crm__lead_status_changes') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

event_times as (
    select max(lead_created_at) as event_at from leads
    union all
    select max(activity_at) as event_at from activities
    union all
    select max(changed_at) as event_at from status_changes
    union all
    select max(opportunity_created_at) as event_at from opportunities
    union all
    select max(closed_at) as event_at from opportunities
    union all
    select max(cast(signed_on as {{ dbt.type_timestamp() }})) as event_at from deals
),

latest_event as (
    select max(event_at) as event_at from event_times
),

latest_load as (
    select max(loaded_at_utc) as loaded_at_utc from load_metadata
),

latest_export as (
    select max(load_metadata.export_time) as export_time
    from load_metadata
    inner join latest_load
        on load_metadata.loaded_at_utc = latest_load.loaded_at_utc
),

final as (
    select
        {%- if var('as_of_date') %}
            {{ dbt.dateadd('second', 86399, "cast('" ~ var('as_of_date') ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
                as as_of_at,
            'var' as as_of_source
        {%- else %}
            case
                when latest_export.export_time < latest_event.event_at then latest_export.export_time
                else latest_event.event_at
            end as as_of_at,
            case
                when latest_export.export_time < latest_event.event_at then 'export_time'
                else 'latest_event'
            end as as_of_source
        {%- endif %}
    from latest_event
    left join latest_export
        on 1 = 1
)

select * from final
