{#-
    row_digest(alias): a 64-bit hash of the whole row of the relation aliased
    `alias` (every column, as the warehouse holds them), as a number whose
    sum does not overflow. Summed over a group, it is a digest of the group's
    rows that no row order changes: two groups of different rows have the same
    sum about once in 2**64. Every column counts, so a column a model starts
    reading later is already in the digest. The incremental models keyed by
    opportunity compare such digests of their inputs with the ones they
    stored (macros/pipeline/opportunity_incremental.sql).
    Dispatched because each engine names a whole row and hashes it its own way:
      * DuckDB: `hash` of the row (a struct), hashed again, as
        revops.changed_leads does for the loader's per-lead digests; its sum is
        a HUGEINT;
      * PostgreSQL: the first 64 bits of the md5 of the row's text, a bigint;
        its sum is a numeric;
      * Spark: xxhash64 of the row's struct, as a decimal, whose sum widens.
-#}
{% macro row_digest(alias) -%}
    {{ return(adapter.dispatch('row_digest', 'revops_funnel')(alias)) }}
{%- endmacro %}

{% macro default__row_digest(alias) -%}
    ('x' || substr(md5({{ alias }}::text), 1, 16))::bit(64)::bigint
{%- endmacro %}

{% macro duckdb__row_digest(alias) -%}
    hash(hash({{ alias }}))
{%- endmacro %}

{% macro spark__row_digest(alias) -%}
    cast(xxhash64(struct({{ alias }}.*)) as decimal(20, 0))
{%- endmacro %}
