-- GRR, NRR, logo retention and renewal rates per fiscal year and half x
-- business unit x the source channel of the lead that first brought the
-- customer in (`unknown` without one): retention_aggregates() over
-- int_retention_contract_periods.
{{ retention_aggregates(['business_unit', 'source_channel']) }}
