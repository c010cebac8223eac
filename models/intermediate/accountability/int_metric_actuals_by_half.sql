-- Every KPI metric per fiscal half (of the anchor) and business unit: the sum
-- of the half's events, by construction the sum of its months in
-- int_metric_actuals_by_month (the same query, kpi_actuals_by_period()). A half
-- is mature when it is over and every anchor's window has elapsed by as_of_at
-- (kpi_matures_at).
{{ kpi_actuals_by_period('half') }}
