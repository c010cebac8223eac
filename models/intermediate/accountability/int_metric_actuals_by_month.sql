-- Every KPI metric per fiscal month (of the anchor) and business unit, dense:
-- every metric for every business unit with an event, for every month from the
-- first event's month to the later of the last event's month and the as-of
-- month (zero actuals are 0). A month is mature when it is over and every
-- anchor's window has elapsed by as_of_at (kpi_matures_at); own-stage metrics
-- are mature once the month is over. The query is kpi_actuals_by_period(),
-- shared with int_metric_actuals_by_half.
{{ kpi_actuals_by_period('month') }}
