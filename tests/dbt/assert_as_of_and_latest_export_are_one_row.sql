-- int_as_of and int_latest_export are one row each: every judgement cross-joins the as-of
-- instant, and the snapshot dates what it sees by the latest export. A row per model whose
-- row count is not 1 fails the build, an empty model included (a data test on the model's
-- own rows passes when it has none).
with

as_of as (
    select * from {{ ref('int_as_of') }}
),

latest_export as (
    select * from {{ ref('int_latest_export') }}
),

row_counts as (
    select
        'int_as_of' as model_name,
        count(*) as row_count
    from as_of
    union all
    select
        'int_latest_export' as model_name,
        count(*) as row_count
    from latest_export
),

final as (
    select
        model_name,
        row_count
    from row_counts
    where row_count <> 1
)

select * from final
