{#-
    Generic tests for versioned definitions whose rows are valid from
    `valid_from` to `valid_to` (dates, inclusive; null `valid_to` = still valid).

    validity_ranges_do_not_overlap: every pair of versions whose ranges share a
        day fails, so no date ever has two definitions in force.
    validity_ranges_are_contiguous: versions, ordered by `valid_from`, must
        follow one another with no gap (next valid_from = previous valid_to + 1
        day), only the last may be open-ended, no range may end before it
        starts, and a higher version must start later. A gap would leave the
        activities of those days unscored.

    Usage (model level):
        data_tests:
          - validity_ranges_do_not_overlap:
              arguments: {version_column: version, valid_from: effective_from, valid_to: effective_to}
-#}
{% test validity_ranges_do_not_overlap(model, version_column, valid_from, valid_to) %}
{%- set open_end = "cast('9999-12-31' as date)" %}
with

versions as (
    select
        {{ version_column }} as version_key,
        {{ valid_from }} as valid_from,
        coalesce({{ valid_to }}, {{ open_end }}) as valid_to
    from {{ model }}
),

overlapping_pairs as (
    select
        earlier.version_key as version_key,
        later.version_key as overlapping_version_key,
        earlier.valid_from as valid_from,
        earlier.valid_to as valid_to,
        later.valid_from as overlapping_valid_from,
        later.valid_to as overlapping_valid_to
    from versions as earlier
    inner join versions as later
        on earlier.version_key < later.version_key
            and earlier.valid_from <= later.valid_to
            and later.valid_from <= earlier.valid_to
)

select * from overlapping_pairs
{% endtest %}

{% test validity_ranges_are_contiguous(model, version_column, valid_from, valid_to) %}
with

versions as (
    select
        {{ version_column }} as version_key,
        {{ valid_from }} as valid_from,
        {{ valid_to }} as valid_to
    from {{ model }}
),

ordered as (
    select
        version_key,
        valid_from,
        valid_to,
        lead(version_key) over (order by valid_from, version_key) as next_version_key,
        lead(valid_from) over (order by valid_from, version_key) as next_valid_from
    from versions
),

problems as (
    select
        version_key,
        valid_from,
        valid_to,
        next_version_key,
        next_valid_from,
        case
            when valid_to is not null and valid_to < valid_from then 'ends before it starts'
            when next_valid_from is not null and valid_to is null then 'open-ended but not the last version'
            when next_version_key is not null and next_version_key <= version_key
                then 'a later range has a lower version'
            when next_valid_from is not null
                and next_valid_from <> cast({{ dbt.dateadd('day', 1, 'valid_to') }} as date)
                then 'gap or overlap before the next version'
        end as problem
    from ordered
)

select * from problems
where problem is not null
{% endtest %}
