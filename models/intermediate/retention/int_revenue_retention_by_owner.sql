-- GRR, NRR, logo retention and renewal rates per fiscal year and half x
-- business unit x customer-success owner (each contract's cs_owner_id; a
-- customer with contracts of two owners counts for both):
-- retention_aggregates() over int_retention_contract_periods.
{{ retention_aggregates(['business_unit', 'cs_owner_id']) }}
