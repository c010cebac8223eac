-- CAC, CAC payback and the magic number per fiscal half for every business
-- unit together (int_unit_economics_all_units; docs/retention.md): the units'
-- costs and new customers added up, then the same formulas as
-- mart_unit_economics. A figure whose input is missing for any unit is null and
-- inputs_missing names the input.
{{ unit_economics_mart('int_unit_economics_all_units', []) }}
