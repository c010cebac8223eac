-- GRR, NRR, logo retention and renewal rates per fiscal year and half for
-- every business unit together: retention_aggregates() over
-- int_retention_contract_periods with no group, so the ratios are of the
-- company's sums, never a mean of the units' ratios.
{{ retention_aggregates([]) }}
