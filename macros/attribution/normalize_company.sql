{#-
    Company keys for account conflicts, cross-database (replace, translate,
    lower, trim only; no Unicode-normalisation function).

    normalize_company_domain(expression): lowercased, trimmed, without a
    leading `www.`; null when empty. (Whether the domain names a company at
    all, i.e. is no free-mail or carrier domain of seed free_mail_domains, is
    decided once, in int_lead_company_spans, which applies this macro to both
    the domains and the seed.)

    normalize_company_name_steps(column): the normalised company name as a
    list of SQL expressions, each applied to `column` holding the result of
    the previous one (the first to the raw name). A model applies them in
    consecutive CTEs; split into steps of at most 10 nested calls so the SQL
    stays shallow enough for every engine's (and sqlfluff's) parser. Rule:
    NFKC-style width folding from the generated map company_name_char_map()
    (half-width katakana with its voiced mark -> one full-width katakana,
    other half-width katakana -> full width, full-width ASCII and the
    ideographic space -> ASCII), lowercase, legal forms (株式会社, (株), ㈱,
    有限会社, (有), 合同会社, ...) and spaces removed; null when nothing is
    left. scripts/revops/company_names.py holds the same rule in Python and
    the tests compare the two.
-#}
{% macro normalize_company_domain(expression) -%}
    {%- set lowered = 'lower(trim(' ~ expression ~ '))' -%}
    nullif(
        case
            when {{ lowered }} like 'www.%'
                then {{ dbt.right(lowered, dbt.length(lowered) ~ ' - 4') }}
            else {{ lowered }}
        end,
        ''
    )
{%- endmacro %}

{% macro normalize_company_name_steps(column) -%}
    {%- set char_map = company_name_char_map() -%}
    {%- set replacements = [] -%}
    {%- for pair in char_map['pairs'] -%}
        {%- do replacements.append(pair) -%}
    {%- endfor -%}
    {%- set steps = [] -%}
    {%- for chunk in replacements | batch(10) -%}
        {%- do steps.append(_replace_chain(column, chunk)) -%}
    {%- endfor -%}
    {#- translate() with the whole map costs microseconds a value (DuckDB: 53 of the 100 CPU-s of
        int_lead_company_spans at 10M leads); a name holding none of its characters keeps its text. -#}
    {%- do steps.append(
        "lower(case when " ~ contains_any_character(column, char_map['from_chars'])
        ~ " then translate(" ~ column ~ ", '" ~ char_map['from_chars'] ~ "', '" ~ char_map['to_chars'] ~ "')"
        ~ " else " ~ column ~ " end)"
    ) -%}
    {%- set removals = [] -%}
    {%- for form in char_map['legal_forms'] -%}
        {%- do removals.append([form, '']) -%}
    {%- endfor -%}
    {%- for chunk in removals | batch(10) -%}
        {%- do steps.append(_replace_chain(column, chunk)) -%}
    {%- endfor -%}
    {%- do steps.append("nullif(replace(" ~ column ~ ", ' ', ''), '')") -%}
    {{ return(steps) }}
{%- endmacro %}

{% macro _replace_chain(column, pairs) -%}
    {%- set text = namespace(sql=column) -%}
    {%- for pair in pairs -%}
        {%- set text.sql = "replace(" ~ text.sql ~ ", '" ~ pair[0] ~ "', '" ~ pair[1] ~ "')" -%}
    {%- endfor -%}
    {{ return(text.sql) }}
{%- endmacro %}
