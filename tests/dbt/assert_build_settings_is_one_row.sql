-- mart_build_settings is one row: BI and the dashboard read the build's as-of, currency and fiscal
-- year start from it. A row count other than 1 (none, or two) fails the build.
with

build_settings as (
    select * from {{ ref('mart_build_settings') }}
),

row_counts as (
    select count(*) as row_count
    from build_settings
),

final as (
    select row_count
    from row_counts
    where row_count <> 1
)

select * from final
