-- The stage dimension: each agreed stage with its order and next stage,
-- generated from the funnel_stages() macro.
{%- set stages = funnel_stages() %}
with

stages as (
    {%- for stage in stages %}
        select
            '{{ stage }}' as stage,
            {{ loop.index }} as stage_order,
            {% if loop.last %}cast(null as {{ dbt.type_string() }}){% else %}'{{ stages[loop.index] }}'{% endif %}
                as next_stage
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select * from stages
)

select * from final
