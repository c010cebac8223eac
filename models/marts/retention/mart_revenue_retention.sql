-- GRR, NRR, logo retention, renewal and on-time renewal rates per fiscal year
-- and half x business unit (int_revenue_retention; docs/retention.md).
{{ retention_mart('int_revenue_retention', ['business_unit']) }}
