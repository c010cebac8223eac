-- The single "as of" instant every maturity, SLA and window judgement uses:
-- var('as_of_date') when set (end of that day), otherwise the earlier of the
-- latest event in the loaded data and the export time the loader recorded
-- (int_latest_export; event times beyond it + future_tolerance_hours were
-- quarantined). Never the wall clock, so a rebuild gives the same numbers.
with

latest_export as (
    select * from {{ ref('int_latest_export') }}
),

events as (
    select * from {{ ref('int_funnel_events') }}
),

-- The data's latest business event: a record edit (lead_updated) is not one.
event_times as (
    select event_at
    from events
    where event_type != 'lead_updated'
),

latest_event as (
    select max(event_at) as event_at from event_times
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
