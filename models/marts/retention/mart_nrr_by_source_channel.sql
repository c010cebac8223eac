-- The retention figures per fiscal year and half x business unit x the source
-- channel that first brought the customer in (int_nrr_by_source_channel;
-- docs/retention.md).
{{ retention_mart('int_nrr_by_source_channel', ['business_unit', 'source_channel']) }}
