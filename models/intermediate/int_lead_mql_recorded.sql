-- The recorded MQL time of each lead that has one: the first activity time at
-- which its cumulative score reaches the threshold (activities at the same
-- timestamp counted together), or its first hand-raise, whichever is earlier.
with

activities_scored as (
    select * from {{ ref('int_activities_scored') }}
),

score_by_timestamp as (
    select
        lead_id,
        activity_at,
        sum(points) as points_at_time,
        max(mql_threshold) as mql_threshold,
        max(case when is_hand_raise then 1 else 0 end) as has_hand_raise
    from activities_scored
    group by lead_id, activity_at
),

cumulative_score as (
    select
        lead_id,
        activity_at,
        mql_threshold,
        has_hand_raise,
        sum(points_at_time) over (
            partition by lead_id
            order by activity_at
            rows between unbounded preceding and current row
        ) as cumulative_points
    from score_by_timestamp
),

first_qualifying as (
    select
        lead_id,
        min(case when cumulative_points >= mql_threshold then activity_at end) as score_reached_at,
        min(case when has_hand_raise = 1 then activity_at end) as hand_raised_at
    from cumulative_score
    group by lead_id
),

final as (
    select
        lead_id,
        score_reached_at,
        hand_raised_at,
        least(score_reached_at, hand_raised_at) as mql_recorded_at
    from first_qualifying
    where score_reached_at is not null or hand_raised_at is not null
)

select * from final
