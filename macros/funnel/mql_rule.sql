{#-
    The agreed MQL rule, written once. int_activities_scored and
    int_lead_mql_recorded (what the marts use) and the governance models that
    compare definition versions (int_lead_mql_by_definition) all call these
    macros, so a restated or previewed MQL is computed by exactly the same rule.

    mql_scored_activities_ctes(activities, definition_versions, scoring_rules, basis, prefix)
        CTEs ending in `<prefix>activities_scored`: one row per activity with the
        definition version, threshold, points and hand-raise flag it is scored
        under. basis 'in_force': the version whose effective_from..effective_to
        (inclusive) covers the activity's date (none: null version, 0 points;
        int_activities_scored's not-null test fails). basis 'latest': the highest
        version, for every activity (restating history). Unknown activity types
        score 0 and are not hand-raises.

    mql_recorded_ctes(activities_scored, prefix)
        CTEs ending in `<prefix>mql_recorded`: one row per lead that qualifies,
        with the first activity time at which its cumulative score (activities at
        the same timestamp counted together) reaches the threshold in force at
        that time, the first hand-raise, and the earlier of the two.
-#}
{% macro mql_scored_activities_ctes(activities, definition_versions, scoring_rules, basis='in_force', prefix='') -%}
    {%- if basis not in ['in_force', 'latest'] -%}
        {{ exceptions.raise_compiler_error("mql_scored_activities_ctes: basis must be 'in_force' or 'latest', got " ~ basis) }}
    {%- endif %}
    {%- if basis == 'latest' %}
    {{ prefix }}latest_definition_version as (
        select max(version) as version
        from {{ definition_versions }}
    ),
    {% endif %}
    {{ prefix }}activities_with_version as (
        select
            {{ activities }}.activity_id,
            {{ activities }}.lead_id,
            {{ activities }}.activity_at,
            {{ activities }}.activity_type,
            {{ activities }}.campaign_id,
            {{ definition_versions }}.version as definition_version,
            {#- whole numbers (the seeds' tests), stored as decimals so a fraction is caught, not rounded -#}
            cast({{ definition_versions }}.threshold as {{ dbt.type_int() }}) as mql_threshold
        from {{ activities }}
        {%- if basis == 'latest' %}
        cross join {{ prefix }}latest_definition_version
        inner join {{ definition_versions }}
            on {{ prefix }}latest_definition_version.version = {{ definition_versions }}.version
        {%- else %}
        {#- A left join: an activity on a day no version covers (before the first, or in a gap) stays,
            with no version and no points, and fails int_activities_scored's not-null test on
            definition_version, instead of vanishing from the funnel. #}
        left join {{ definition_versions }}
            on cast({{ activities }}.activity_at as date) >= {{ definition_versions }}.effective_from
                and (
                    {{ definition_versions }}.effective_to is null
                    or cast({{ activities }}.activity_at as date) <= {{ definition_versions }}.effective_to
                )
        {%- endif %}
    ),

    {{ prefix }}activities_scored as (
        select
            {{ prefix }}activities_with_version.activity_id,
            {{ prefix }}activities_with_version.lead_id,
            {{ prefix }}activities_with_version.activity_at,
            {{ prefix }}activities_with_version.activity_type,
            {{ prefix }}activities_with_version.campaign_id,
            {{ prefix }}activities_with_version.definition_version,
            {{ prefix }}activities_with_version.mql_threshold,
            {{ scoring_rules }}.activity_type is not null as is_known_type,
            coalesce(cast({{ scoring_rules }}.points as {{ dbt.type_int() }}), 0) as points,
            coalesce({{ scoring_rules }}.is_hand_raise, false) as is_hand_raise
        from {{ prefix }}activities_with_version
        left join {{ scoring_rules }}
            on {{ prefix }}activities_with_version.definition_version = {{ scoring_rules }}.version
                and {{ prefix }}activities_with_version.activity_type = {{ scoring_rules }}.activity_type
    )
{%- endmacro %}

{% macro mql_recorded_ctes(activities_scored, prefix='') -%}
    {#- Only a lead whose positive points add up to the lowest threshold it is scored under can reach
        a threshold: every cumulative score is at most that sum, and every row's threshold at least that
        lowest one. So the running sum, the costly part, reads only those leads' activities (at 10M
        leads about a quarter of them); hand-raises are looked up among every activity. -#}
    {{ prefix }}score_reachable as (
        select lead_id
        from {{ activities_scored }}
        group by lead_id
        having sum(case when points > 0 then points else 0 end) >= min(mql_threshold)
    ),

    {#- The cumulative score at an activity counts every activity of the lead at or before its time,
        the ones at the same time included (a `range` frame: peers are summed together). Activities
        at one time share a date, so one definition version and one threshold. -#}
    {{ prefix }}cumulative_score as (
        select
            {{ activities_scored }}.lead_id,
            {{ activities_scored }}.activity_at,
            {{ activities_scored }}.mql_threshold,
            sum({{ activities_scored }}.points) over (
                partition by {{ activities_scored }}.lead_id
                order by {{ activities_scored }}.activity_at
                range between unbounded preceding and current row
            ) as cumulative_points
        from {{ activities_scored }}
        inner join {{ prefix }}score_reachable
            on {{ activities_scored }}.lead_id = {{ prefix }}score_reachable.lead_id
    ),

    {{ prefix }}score_reached as (
        select
            lead_id,
            min(case when cumulative_points >= mql_threshold then activity_at end) as score_reached_at
        from {{ prefix }}cumulative_score
        group by lead_id
    ),

    {{ prefix }}hand_raised as (
        select
            lead_id,
            min(activity_at) as hand_raised_at
        from {{ activities_scored }}
        where is_hand_raise
        group by lead_id
    ),

    {{ prefix }}mql_recorded as (
        select
            coalesce({{ prefix }}score_reached.lead_id, {{ prefix }}hand_raised.lead_id) as lead_id,
            {{ prefix }}score_reached.score_reached_at,
            {{ prefix }}hand_raised.hand_raised_at,
            least({{ prefix }}score_reached.score_reached_at, {{ prefix }}hand_raised.hand_raised_at)
                as mql_recorded_at
        from {{ prefix }}score_reached
        full outer join {{ prefix }}hand_raised
            on {{ prefix }}score_reached.lead_id = {{ prefix }}hand_raised.lead_id
        where {{ prefix }}score_reached.score_reached_at is not null
            or {{ prefix }}hand_raised.hand_raised_at is not null
    )
{%- endmacro %}
