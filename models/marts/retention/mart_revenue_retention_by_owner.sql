-- The retention figures per fiscal year and half x business unit x
-- customer-success owner (int_revenue_retention_by_owner; docs/retention.md).
{{ retention_mart('int_revenue_retention_by_owner', ['business_unit', 'cs_owner_id']) }}
