-- The single "as of" instant every maturity, SLA and window judgement uses:
-- var('as_of_date') when set (end of that day), otherwise the latest event in
-- the loaded data. Never the wall clock, so a rebuild gives the same numbers.
with

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

opportunity_history as (
    select * from {{ ref('stg_crm__opportunity_history') }}
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
    select max(changed_at) as event_at from opportunity_history
    union all
    select max(cast(signed_on as {{ dbt.type_timestamp() }})) as event_at from deals
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
