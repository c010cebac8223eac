-- CAC, CAC payback and the magic number per fiscal half x business unit
-- (int_unit_economics; docs/retention.md). A figure whose input is missing is
-- null and inputs_missing names the input.
{{ unit_economics_mart('int_unit_economics', ['business_unit']) }}
