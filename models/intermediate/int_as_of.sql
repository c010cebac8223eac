-- The single "as of" instant every maturity, SLA and window judgement uses:
-- var('as_of_date') when set (the last microsecond of that day, the finest
-- time the loader keeps, so an event at 23:59:59.5 is within it), otherwise the earlier of the
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
            {%- set as_of_date = var('as_of_date') | string %}
            {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', as_of_date) %}
                {{- exceptions.raise_compiler_error(
                    "var('as_of_date') is '" ~ as_of_date ~ "': give a date as YYYY-MM-DD (the as-of is the end of that day)"
                ) }}
            {%- endif %}
            cast('{{ as_of_date }} 23:59:59.999999' as {{ dbt.type_timestamp() }}) as as_of_at,
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
