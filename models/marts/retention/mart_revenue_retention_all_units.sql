-- GRR, NRR, logo retention, renewal and on-time renewal rates per fiscal year
-- and half for every business unit together (int_revenue_retention_all_units;
-- docs/retention.md).
{{ retention_mart('int_revenue_retention_all_units', []) }}
