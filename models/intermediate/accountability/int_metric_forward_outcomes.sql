-- Forward KPI metrics, one row per lead and metric: the anchor (the lead's
-- entered time of the anchor stage) and whether the outcome stage followed
-- within the window. "Within the window" means at most
-- var('forward_window_days') x 86,400 seconds after the anchor, inclusive:
-- with 90 days an outcome exactly 90 days later counts, one a second later
-- does not. A won time is midnight of the signing date, or its opportunity's
-- creation when that is later the same day (int_lead_won_deals.signed_at): a
-- deal signed before the 90th calendar day after the anchor's date counts, and
-- one signed on that day counts unless its opportunity was created after the
-- anchor's time of day.
--   opportunities_from_mqls: anchor mql_at, outcome opportunity_at, worth 1.
--   pipeline_from_mqls: anchor mql_at, worth the reporting-currency amount of
--     the lead's opportunities created within the window (0 when none).
--   won_from_opportunities: anchor opportunity_at, outcome won_at, worth 1.
-- is_window_complete: the window has elapsed by int_as_of.as_of_at.
-- The window rule is kpi_is_within_window() (macros/accountability), the same
-- for every outcome and for the opportunities summed into pipeline_from_mqls.
{{ lead_replace_config(
    lead_watermark='anchor_at',
    as_of_judgement={'flag': 'is_window_complete', 'due_at': 'window_ends_at'},
) }}
with

stages_entered as (
    select * from {{ ref('int_lead_stages_entered') }}
    {{- incremental_lead_filter() }}
),

opportunities as (
    select * from {{ ref('int_opportunities_reporting_currency') }}
    {{- incremental_lead_filter() }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

mql_anchors as (
    select
        lead_id,
        business_unit,
        mql_at as anchor_at,
        opportunity_at as outcome_at
    from stages_entered
    where mql_at is not null
),

opportunity_anchors as (
    select
        lead_id,
        business_unit,
        opportunity_at as anchor_at,
        won_at as outcome_at
    from stages_entered
    where opportunity_at is not null
),

pipeline_in_window as (
    select
        mql_anchors.lead_id,
        sum(opportunities.amount_reporting) as pipeline_amount
    from mql_anchors
    inner join opportunities
        on mql_anchors.lead_id = opportunities.lead_id
    where {{ kpi_is_within_window('mql_anchors.anchor_at', 'opportunities.opportunity_created_at') }}
    group by mql_anchors.lead_id
),

anchors as (
    select
        'opportunities_from_mqls' as metric,
        lead_id,
        business_unit,
        anchor_at,
        outcome_at,
        cast(1 as {{ type_money() }}) as outcome_value
    from mql_anchors
    union all
    select
        'pipeline_from_mqls' as metric,
        mql_anchors.lead_id,
        mql_anchors.business_unit,
        mql_anchors.anchor_at,
        mql_anchors.outcome_at,
        cast(coalesce(pipeline_in_window.pipeline_amount, 0) as {{ type_money() }}) as outcome_value
    from mql_anchors
    left join pipeline_in_window
        on mql_anchors.lead_id = pipeline_in_window.lead_id
    union all
    select
        'won_from_opportunities' as metric,
        lead_id,
        business_unit,
        anchor_at,
        outcome_at,
        cast(1 as {{ type_money() }}) as outcome_value
    from opportunity_anchors
),

windowed as (
    select
        anchors.metric,
        anchors.lead_id,
        anchors.business_unit,
        anchors.anchor_at,
        anchors.outcome_at,
        anchors.outcome_value,
        {{ kpi_window_ends_at('anchors.anchor_at') }} as window_ends_at,
        {{ kpi_is_within_window('anchors.anchor_at', 'anchors.outcome_at') }} as is_outcome_in_window,
        as_of.as_of_at
    from anchors
    cross join as_of
),

judged as (
    select
        metric,
        lead_id,
        business_unit,
        anchor_at,
        outcome_at,
        outcome_value,
        window_ends_at,
        is_outcome_in_window,
        window_ends_at <= as_of_at as is_window_complete
    from windowed
),

final as (
    select
        metric,
        lead_id,
        business_unit,
        anchor_at,
        outcome_at,
        window_ends_at,
        is_outcome_in_window,
        is_window_complete,
        cast(case when is_outcome_in_window then outcome_value else 0 end as {{ type_money() }}) as metric_value
    from judged
)

select * from final
