-- Per attribution model and fiscal half, the attributed counts over all
-- campaigns (no_touch included) equal the leads that entered each stage in
-- that half, and the attributed won amount equals their won amount (within
-- rounding to 0.01 per row). Rows returned break it.
{%- set stage_columns = attribution_stage_columns() %}
with

campaign_attribution as (
    select * from {{ ref('mart_campaign_attribution') }}
),

attribution_models as (
    {%- for model in attribution_models() %}
        select '{{ model }}' as attribution_model
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

stage_entries as (
    select * from {{ ref('int_lead_stage_entries') }}
),

lead_funnel as (
    select * from {{ ref('fct_lead_funnel') }}
),

attributed_totals as (
    select
        attribution_model,
        fiscal_year,
        fiscal_half,
        {%- for stage, label in stage_columns %}
            sum(attributed_{{ label }}) as attributed_{{ label }},
        {%- endfor %}
        sum(attributed_won_amount) as attributed_won_amount,
        count(*) as mart_rows
    from campaign_attribution
    group by attribution_model, fiscal_year, fiscal_half
),

entered_totals as (
    select
        {{ fiscal_year('stage_entries.entered_at') }} as fiscal_year,
        {{ fiscal_half('stage_entries.entered_at') }} as fiscal_half,
        {%- for stage, label in stage_columns %}
            count(case when stage_entries.stage = '{{ stage }}' then 1 end) as entered_{{ label }},
        {%- endfor %}
        sum(case when stage_entries.stage = 'won' then lead_funnel.won_amount else 0 end) as won_amount
    from stage_entries
    inner join lead_funnel
        on stage_entries.lead_id = lead_funnel.lead_id
    where stage_entries.stage <> '{{ funnel_stages()[0] }}'
    group by
        {{ fiscal_year('stage_entries.entered_at') }},
        {{ fiscal_half('stage_entries.entered_at') }}
),

final as (
    select
        attribution_models.attribution_model,
        entered_totals.fiscal_year,
        entered_totals.fiscal_half
    from entered_totals
    cross join attribution_models
    left join attributed_totals
        on entered_totals.fiscal_year = attributed_totals.fiscal_year
            and entered_totals.fiscal_half = attributed_totals.fiscal_half
            and attribution_models.attribution_model = attributed_totals.attribution_model
    where attributed_totals.fiscal_year is null
        {%- for stage, label in stage_columns %}
            or abs(attributed_totals.attributed_{{ label }} - entered_totals.entered_{{ label }}) > 1e-6
        {%- endfor %}
        or abs(attributed_totals.attributed_won_amount - entered_totals.won_amount)
        > 0.01 * attributed_totals.mart_rows
    union all
    -- halves with credit but no stage entered (only cost or nothing may be there)
    select
        attributed_totals.attribution_model,
        attributed_totals.fiscal_year,
        attributed_totals.fiscal_half
    from attributed_totals
    left join entered_totals
        on attributed_totals.fiscal_year = entered_totals.fiscal_year
            and attributed_totals.fiscal_half = entered_totals.fiscal_half
    where entered_totals.fiscal_year is null
        and (
            {%- for stage, label in stage_columns %}
                attributed_totals.attributed_{{ label }} <> 0 or
            {%- endfor %}
            attributed_totals.attributed_won_amount <> 0
        )
)

select * from final
