-- The single "as of" instant every maturity, SLA and window judgement uses:
-- var('as_of_date') when set (end of that day), otherwise the latest event in
-- the loaded data. Never the wall clock, so a rebuild gives the same numbers.
with

events as (
    select * from {{ ref('int_funnel_events') }}
),

-- The data's latest business event: a record edit (lead_updated) is not one.
event_times as (
    select event_at
    from events
    where event_type != 'lead_updated'
),

final as (
    select
        {%- if var('as_of_date') %}
            max({{ dbt.dateadd('second', 86399, "cast('" ~ var('as_of_date') ~ "' as " ~ dbt.type_timestamp() ~ ")") }})
                as as_of_at,
        {%- else %}
            max(event_at) as as_of_at,
        {%- endif %}
        {{ "'var'" if var('as_of_date') else "'latest_event'" }} as as_of_source
    from event_times
)

select * from final
