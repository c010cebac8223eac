{#-
    kpi_seed(name): ref() of an accountability seed (kpi_scorecard, kpi_targets)
    from the seed set chosen by var('accountability_seed_set'):
      default - seeds/accountability/<name>.csv, the values the Ops team edits;
      fixture - fixture_<name>, the hand-made values the accountability
                fixture's tests compute against; those seeds live in the
                integration-test project (tests/integration_tests/seeds), so
                this set works only when building through it.
-#}
{% macro kpi_seed(name) -%}
    {%- set seed_set = var('accountability_seed_set', 'default') -%}
    {%- if seed_set == 'default' -%}
        {{ return(ref(name)) }}
    {%- elif seed_set == 'fixture' -%}
        {{ return(ref('fixture_' ~ name)) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("var accountability_seed_set must be 'default' or 'fixture', got '" ~ seed_set ~ "'") }}
    {%- endif -%}
{%- endmacro %}
