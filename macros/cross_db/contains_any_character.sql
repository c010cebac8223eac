{#-
    contains_any_character(expression, characters): true when the text holds at
    least one of `characters` (none of them ASCII, so none is special in a regex
    character class or in a SQL string), false when it holds none, null for null.
    A regex character class on every engine: one pass over the text.
-#}
{% macro contains_any_character(expression, characters) -%}
    {%- for character in characters if character.isascii() -%}
        {{ exceptions.raise_compiler_error(
            "contains_any_character: ASCII characters are not allowed, got " ~ (character | tojson)
        ) }}
    {%- endfor -%}
    {{ return(adapter.dispatch('contains_any_character', 'revops_funnel')(expression, characters)) }}
{%- endmacro %}

{% macro default__contains_any_character(expression, characters) -%}
    regexp_matches({{ expression }}, '[{{ characters }}]')
{%- endmacro %}

{% macro postgres__contains_any_character(expression, characters) -%}
    ({{ expression }} ~ '[{{ characters }}]')
{%- endmacro %}

{% macro spark__contains_any_character(expression, characters) -%}
    ({{ expression }} rlike '[{{ characters }}]')
{%- endmacro %}
