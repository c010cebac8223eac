-- The pipeline waterfall per fiscal quarter x business unit (int_pipeline_waterfall; docs/pipeline.md).
{%- set movements = pipeline_movements() %}
with

waterfall as (
    select * from {{ ref('int_pipeline_waterfall') }}
),

final as (
    select
        fiscal_year,
        fiscal_quarter,
        quarter_start,
        business_unit,
        is_current_quarter,
        starting_count,
        starting_amount,
        {%- for movement in movements %}
            {{ movement }}_count,
            {{ movement }}_amount,
        {%- endfor %}
        ending_count,
        ending_amount
    from waterfall
)

select * from final
