{#-
    Reading Salesforce objects the same way whether a connector synced them or
    scripts/load.py --source salesforce loaded Data Loader files
    (models/staging/salesforce/_salesforce__sources.yml; docs/sources/salesforce.md).
-#}

{#- The column a connector gives the custom field named by var `var_name` (API name):
    Business_Unit__c -> business_unit_c (the loader's revops.sources.salesforce.snake_case). -#}
{% macro salesforce_field_column(var_name) -%}
    {%- set api_name = var(var_name) | trim -%}
    {%- set snake = modules.re.sub('(?<=[a-z0-9])(?=[A-Z])', '_', api_name) -%}
    {{ return(modules.re.sub('_+', '_', snake) | lower) }}
{%- endmacro %}

{#- The cast of one contract column type (meta.contract.type) to the warehouse type. A timestamp
    is UTC: a column without a zone (the loader's, most connectors') is read as UTC; a column with
    one (`with_zone`: timestamptz, which some connectors write) is an instant, taken to UTC first.
    A plain cast of an instant would give the session's local time (TimeZone Asia/Tokyo on a
    Japanese machine), shifted a second time to reporting time. A DATE column read as a timestamp
    (`is_date`: a Date-type field such as MQL_Date__c, which connectors sync as DATE) is a calendar
    date, not a UTC instant: 00:00 of that date in reporting time, as the loader reads a date alone. -#}
{% macro salesforce_cast(expression, column_type, with_zone=false, is_date=false) -%}
    {%- if column_type == 'timestamp' and is_date -%}
        cast({{ expression }} as {{ dbt.type_timestamp() }})
    {%- elif column_type == 'timestamp' and with_zone -%}
        {{ utc_to_reporting(timestamptz_to_utc(expression)) }}
    {%- elif column_type == 'timestamp' -%}
        {{ utc_to_reporting('cast(' ~ expression ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
    {%- elif column_type == 'date' -%}
        cast({{ expression }} as date)
    {%- elif column_type == 'decimal' -%}
        cast({{ expression }} as {{ dbt.type_numeric() }})
    {%- elif column_type == 'boolean' -%}
        cast({{ expression }} as {{ dbt.type_boolean() }})
    {%- else -%}
        cast({{ expression }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#- An instant (timestamp with time zone) as its UTC wall-clock time, without a zone, whatever the
    session's TimeZone. Spark's TIMESTAMP is never read as one (its columns report `timestamp`). -#}
{% macro timestamptz_to_utc(expression) -%}
    {{ return(adapter.dispatch('timestamptz_to_utc', 'revops_funnel')(expression)) }}
{%- endmacro %}

{% macro default__timestamptz_to_utc(expression) -%}
    ({{ expression }} at time zone 'UTC')
{%- endmacro %}

{#-
    SQL selecting every contract column of Salesforce object `table` (snake_case,
    e.g. 'lead'), typed, times converted from UTC to reporting time (a DATE column
    read as a time is 00:00 of that date in reporting time), named as in
    the contract; rows deleted in Salesforce (is_deleted) or by the connector
    (_fivetran_deleted, when the column exists) are left out. Every `id` and
    `*_id` column is a Salesforce Id, read in its 18-character form (salesforce_id18),
    so a reference written with a 15-character Id equals the record's own Id in every
    join downstream.

    A custom field (meta.contract.field_var) is read from the column its var
    names. A column the relation lacks is null, so an org without multi-currency
    or without the custom fields still builds. An optional object whose table
    does not exist reads as empty (fewer signals, docs/sources/salesforce.md);
    a missing required object (Lead, Opportunity, Campaign, User) stops the build.
-#}
{% macro salesforce_select(table) -%}
    {%- set relation = source('salesforce', table) -%}
    {%- if not execute -%}
        select * from {{ relation }}
    {%- else -%}
        {%- set node = graph.sources['source.revops_funnel.salesforce.' ~ table] -%}
        {%- set spec = (node.meta or {}).get('contract', {}) -%}
        {%- set existing = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) -%}
        {%- if existing is none and spec.get('required', true) -%}
            {{ exceptions.raise_compiler_error(
                "Salesforce object " ~ spec.get('object', table) ~ " is required but " ~ relation
                ~ " does not exist: load it (scripts/load.py --source salesforce) or set var salesforce_schema"
            ) }}
        {%- endif -%}
        {#- A column is found by its key: its name in lower case without underscores, so a connector's
            snake_case (created_date, business_unit_c) and the API names (CreatedDate, Business_Unit__c,
            or createddate once a destination lower-cases them) all match. -#}
        {%- set present = {} -%}
        {%- set zoned = [] -%}
        {%- set dated = [] -%}
        {%- if existing is not none -%}
            {%- for column in adapter.get_columns_in_relation(existing) -%}
                {%- do present.update({salesforce_column_key(column.name): column.name}) -%}
                {#- not `'time zone' in dtype`: PostgreSQL names a plain timestamp `timestamp without time zone` -#}
                {%- set dtype = column.dtype | lower | trim -%}
                {%- if dtype in ('timestamp with time zone', 'timestamptz') -%}
                    {%- do zoned.append(salesforce_column_key(column.name)) -%}
                {%- elif dtype == 'date' -%}
                    {%- do dated.append(salesforce_column_key(column.name)) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
        {%- set selected = [] -%}
        {%- for name, column in node.columns.items() -%}
            {%- set column_spec = (column.meta or {}).get('contract', {}) -%}
            {%- set physical = salesforce_field_column(column_spec.field_var) if column_spec.get('field_var') else name -%}
            {%- set key = salesforce_column_key(physical) -%}
            {%- set expression = adapter.quote(present[key]) if key in present else 'null' -%}
            {%- set typed = salesforce_cast(
                expression, column_spec.get('type', 'string'), key in zoned, key in dated
            ) -%}
            {%- if name == 'id' or name.endswith('_id') -%}
                {%- set typed = salesforce_id18(typed) -%}
            {%- endif -%}
            {%- do selected.append(typed ~ ' as ' ~ name) -%}
        {%- endfor %}
        select
            {{ selected | join(',\n            ') }}
        {%- if existing is none %}
        where 1 = 0
        {%- else %}
        from {{ relation }}
        where 1 = 1
            {%- if 'isdeleted' in present %}
            and not coalesce({{ adapter.quote(present['isdeleted']) }}, false)
            {%- endif %}
            {%- if 'fivetrandeleted' in present %}
            and not coalesce({{ adapter.quote(present['fivetrandeleted']) }}, false)
            {%- endif %}
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- The key a Salesforce column is matched by: lower case, underscores removed (the loader's
    revops.sources.salesforce.header_key reads a file's header the same way). -#}
{% macro salesforce_column_key(name) -%}
    {{ return(name | lower | replace('_', '')) }}
{%- endmacro %}

{#- SQL: the 15-character, case-sensitive form of a Salesforce Id (an 18-character Id
    is the 15-character one plus a 3-character case checksum), so references written
    either way match. `column` is a staged Id (salesforce_select reads every Id column
    through salesforce_id18), whose case is already the record's own. -#}
{% macro salesforce_id15(column) -%}
    substring({{ column }}, 1, 15)
{%- endmacro %}


{#- SQL: the canonical 18-character form of a Salesforce Id (the loader's
    revops.sources.salesforce.id18 computes the same).
    A 15-character Id is case-sensitive: it keeps its case and gets the 3-character checksum of
    its case appended: for each 5-character chunk, bit j is set when character j is an upper-case
    letter, and the 5-bit number indexes ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 (001A0000006Vm9r ->
    001A0000006Vm9rIAC).
    An 18-character Id is case-insensitive (0065g00000xB001AAC and 0065g00000xb001aac are one
    record): its suffix, upper-cased, is kept and the case of the ASCII letters among the first 15
    characters is rebuilt from it: letter j of chunk k is upper case when bit j of suffix character
    k's index is set, that is when the character is one of the 16 with that bit (computed below).
    An 18-character value whose suffix is not made of checksum characters, any other length, and
    null are returned unchanged. Only substring, upper, lower, concat, length and position: the same
    SQL on DuckDB, PostgreSQL and Spark.
    Under var lint_generated_sql false (sqlfluff's settings only) it renders the column alone: the
    SQL is about 9,000 characters per Id column, all macro output, which sqlfluff parses but never
    reports on; without it the Salesforce lint took minutes of CPU. -#}
{% macro salesforce_id18(column) -%}
    {%- if not var('lint_generated_sql', true) -%}
    {{ column }}
    {%- else -%}
    {%- set alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345' -%}
    {%- set letters = "'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'" -%}
    {%- set checksum = [] -%}
    {%- for chunk in range(3) -%}
        {%- set bits = [] -%}
        {%- for position in range(5) -%}
            {%- set character = 'substring(' ~ column ~ ', ' ~ (chunk * 5 + position + 1) ~ ', 1)' -%}
            {%- do bits.append(
                'case when upper(' ~ character ~ ') = ' ~ character ~ ' and lower(' ~ character ~ ') <> '
                ~ character ~ ' then ' ~ (2 ** position) ~ ' else 0 end'
            ) -%}
        {%- endfor -%}
        {%- do checksum.append(
            "substring('" ~ alphabet ~ "', 1 + " ~ bits | join(' + ') ~ ', 1)'
        ) -%}
    {%- endfor -%}
    {#- with_bit[j]: the checksum characters (either case) whose index has bit j set -#}
    {%- set with_bit = [] -%}
    {%- for position in range(5) -%}
        {%- set members = [] -%}
        {%- for index in range(32) -%}
            {%- if (index // (2 ** position)) % 2 == 1 -%}
                {%- do members.append(alphabet[index]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do with_bit.append("'" ~ (members | join('')) ~ (members | join('') | lower) ~ "'") -%}
    {%- endfor -%}
    {%- set suffix_valid = [] -%}
    {%- set rebuilt = [] -%}
    {%- for chunk in range(3) -%}
        {%- set suffix_character = 'substring(' ~ column ~ ', ' ~ (16 + chunk) ~ ', 1)' -%}
        {%- do suffix_valid.append(
            dbt.position(suffix_character, "'" ~ alphabet ~ (alphabet | lower) ~ "'") | trim ~ ' > 0'
        ) -%}
        {%- for position in range(5) -%}
            {%- set character = 'substring(' ~ column ~ ', ' ~ (chunk * 5 + position + 1) ~ ', 1)' -%}
            {%- do rebuilt.append(
                'case when ' ~ dbt.position(character, letters) | trim ~ ' = 0 then ' ~ character
                ~ ' when ' ~ dbt.position(suffix_character, with_bit[position]) | trim ~ ' > 0 then upper('
                ~ character ~ ') else lower(' ~ character ~ ') end'
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    case
        when {{ dbt.length(column) }} = 15 then {{ dbt.concat([column] + checksum) }}
        when {{ dbt.length(column) }} = 18 and {{ suffix_valid | join(' and ') }}
            then {{ dbt.concat(rebuilt + ['upper(substring(' ~ column ~ ', 16, 3))']) }}
        else {{ column }}
    end
    {%- endif -%}
{%- endmacro %}

{#- SQL: the row `keys` of stg_salesforce__crm_person_keys is the person its record stands for at
    time `at` (its span [valid_from, valid_to), null ends open). A contact several leads were
    converted into has one span per lead, and they do not overlap, so a join on the record's Id and
    this condition finds at most one person. -#}
{% macro person_key_in_force(keys, at) -%}
    ({{ keys }}.valid_from is null or {{ at }} >= {{ keys }}.valid_from)
    and ({{ keys }}.valid_to is null or {{ at }} < {{ keys }}.valid_to)
{%- endmacro %}

{#-
    salesforce_status_history(history): the Status rows of LeadHistory (`history`, a relation or CTE
    with stg_salesforce__lead_history's columns), numbered per lead in time order (change_number 1:
    the first, whose old_value is the status the lead was created in). Read by
    stg_salesforce__crm_lead_status_changes and the unmapped-statuses warn test.
-#}
{% macro salesforce_status_history(history) -%}
    select
        lead_id,
        changed_at,
        new_value,
        created_by_id,
        old_value,
        row_number() over (
            partition by {{ salesforce_id15('lead_id') }}
            order by changed_at, lead_history_id
        ) as change_number
    from {{ history }}
    where lower(field_name) = 'status'
{%- endmacro %}
