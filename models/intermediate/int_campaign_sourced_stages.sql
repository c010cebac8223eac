-- "A campaign's sourced stage counts", defined once: per campaign and fiscal
-- half, how many of the leads the campaign created (its source leads) entered
-- each stage in that half (int_lead_stage_entries; a stage counts in the half
-- of its entered time). mart_campaign_attribution shows them by half
-- (sourced_*); int_campaign_efficiency adds the halves up per campaign.
{%- set stage_columns = [['lead', 'leads']] + attribution_stage_columns() %}
with

stage_entries as (
    select * from {{ ref('int_lead_stage_entries') }}
),

final as (
    select
        source_campaign_id as campaign_id,
        {{ fiscal_year('entered_at') }} as fiscal_year,
        {{ fiscal_half('entered_at') }} as fiscal_half,
        {%- for stage, label in stage_columns %}
            count(case when stage = '{{ stage }}' then lead_id end) as sourced_{{ label }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from stage_entries
    where source_campaign_id is not null
    group by
        source_campaign_id,
        {{ fiscal_year('entered_at') }},
        {{ fiscal_half('entered_at') }}
)

select * from final
