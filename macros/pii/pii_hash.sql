{#-
    pii_hash(expression): a salted SHA-256 of a prospect's personal value, as
    64 lowercase hex characters, for a mart that needs a join key on personal
    data (an e-mail address, a contact name) without carrying the value itself.
    Null stays null. Same input and salt give the same hash on every engine:
    sha256(salt || value) over the UTF-8 bytes.

    The salt is env var REVOPS_PII_SALT. Its default, pii_demo_salt(), is for
    the demo only: set a secret salt in production and keep it stable, since
    changing it changes every hash (docs/engines.md). Normalise inside the call
    when matching across systems: pii_hash("lower(trim(email))").
-#}
{% macro pii_demo_salt() -%}
    {{ return('revops-demo-salt') }}
{%- endmacro %}

{% macro pii_salt_literal() -%}
    '{{ dbt.escape_single_quotes(env_var('REVOPS_PII_SALT', pii_demo_salt())) }}'
{%- endmacro %}

{% macro pii_hash(expression) -%}
    {{ return(adapter.dispatch('pii_hash', 'revops_funnel')(expression)) }}
{%- endmacro %}

{% macro default__pii_hash(expression) -%}
    encode(sha256(convert_to({{ pii_salt_literal() }} || ({{ expression }}), 'UTF8')), 'hex')
{%- endmacro %}

{% macro duckdb__pii_hash(expression) -%}
    sha256({{ pii_salt_literal() }} || ({{ expression }}))
{%- endmacro %}

{% macro spark__pii_hash(expression) -%}
    sha2(concat({{ pii_salt_literal() }}, {{ expression }}), 256)
{%- endmacro %}
