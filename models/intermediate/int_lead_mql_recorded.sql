-- The recorded MQL time of each lead that has one: the first activity time at
-- which its cumulative score reaches the threshold (activities at the same
-- timestamp counted together), or its first hand-raise, whichever is earlier.
-- The rule itself is macros/funnel/mql_rule.sql.
{{ lead_replace_config(lead_watermark='mql_recorded_at') }}
with

activities_scored as (
    select * from {{ ref('int_activities_scored') }}
    {{- incremental_lead_filter() }}
),

{{ mql_recorded_ctes('activities_scored') }},

final as (
    select * from mql_recorded
)

select * from final
