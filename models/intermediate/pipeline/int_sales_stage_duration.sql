-- Days spent in each stage per fiscal quarter x business unit x owner x stage (docs/pipeline.md,
-- "Performance"): the stage runs (int_opportunity_stage_runs) that ended in the quarter, how many, and
-- the median of their days. One row per stage rather than a column per stage: the stages come from
-- seed pipeline_stages, which the Ops team edits, and a mart's columns are a contract.
-- A run of no known stage (the open state of an opportunity without history) is left out.
with

quarters as (
    select * from {{ ref('int_pipeline_quarters') }}
),

stage_runs as (
    select * from {{ ref('int_opportunity_stage_runs') }}
),

stages as (
    select * from {{ ref('pipeline_stages') }}
),

stage_days as (
    select
        ended_quarter_start as quarter_start,
        business_unit,
        owner_id,
        stage,
        count(*) as ended_run_count,
        {{ median('days_in_stage') }} as median_days
    from stage_runs
    where ended_quarter_start is not null and stage is not null
    group by ended_quarter_start, business_unit, owner_id, stage
),

final as (
    select
        quarters.fiscal_year,
        quarters.fiscal_quarter,
        quarters.quarter_start,
        stage_days.business_unit,
        stage_days.owner_id,
        stage_days.stage,
        stages.stage_order,
        stage_days.ended_run_count,
        stage_days.median_days
    from stage_days
    inner join quarters
        on stage_days.quarter_start = quarters.quarter_start
    left join stages
        on stage_days.stage = stages.crm_stage
)

select * from final
