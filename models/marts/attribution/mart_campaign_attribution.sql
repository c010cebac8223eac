-- Campaign efficiency under every attribution model, by fiscal half (the BI
-- contract): one row per campaign x model x fiscal year x half in which the
-- campaign has credit, sourced leads or cost. The rules, and what every column
-- counts: int_campaign_attribution_by_half.
{%- set stage_columns = attribution_stage_columns() %}
with

attribution_by_half as (
    select * from {{ ref('int_campaign_attribution_by_half') }}
),

final as (
    select
        campaign_id,
        campaign_name,
        channel,
        business_unit,
        attribution_model,
        cast(fiscal_year as integer) as fiscal_year,
        fiscal_half,
        {%- for stage, label in stage_columns %}
            cast(attributed_{{ label }} as {{ type_ratio() }}) as attributed_{{ label }},
        {%- endfor %}
        cast(attributed_won_amount as {{ type_money() }}) as attributed_won_amount,
        cast(cost as {{ type_money() }}) as cost,
        {%- for stage, label in stage_columns %}
            cost_per_attributed_{{ stage }},
        {%- endfor %}
        roi,
        {%- for stage, label in stage_columns %}
            cast(sourced_{{ label }} as {{ dbt.type_bigint() }}) as sourced_{{ label }},
        {%- endfor %}
        {%- for stage, label in stage_columns %}
            cast(influenced_{{ label }} as {{ dbt.type_bigint() }}) as influenced_{{ label }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from attribution_by_half
)

select * from final
