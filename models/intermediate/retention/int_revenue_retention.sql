-- GRR, NRR, logo retention and renewal rates per fiscal year and half x
-- business unit: retention_aggregates() over int_retention_contract_periods.
{{ retention_aggregates(['business_unit']) }}
