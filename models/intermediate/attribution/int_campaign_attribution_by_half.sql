-- The rules of mart_campaign_attribution (which selects and casts this):
-- campaign efficiency under every attribution model, by fiscal half: credit
-- at every stage through renewal next to the campaign's cost in that half.
-- One row per campaign x model x fiscal year x half in which the campaign has
-- credit, sourced leads or cost (the no-touch campaign included). A stage
-- counts in the half of its entered time; cost in the half of its cost date.
-- sourced_* count leads the campaign created; influenced_* count leads it
-- touched within the stage's lookback window without having created them.
-- Credits are summed as exact decimals (attribution_exact), so the sums are
-- the same in every build whatever order the engine adds them in.
-- Sourced and influenced counts: int_campaign_sourced_stages and
-- int_campaign_influenced_stages.
-- Longer than 150 lines on purpose: one row per mart row (campaign x model x
-- half), and the credit, cost and ratio columns are generated per stage.
{%- set stage_columns = attribution_stage_columns() %}
with

credits as (
    select * from {{ ref('fct_attribution_credit') }}
),

sourced as (
    select * from {{ ref('int_campaign_sourced_stages') }}
),

influenced as (
    select * from {{ ref('int_campaign_influenced_stages') }}
),

campaign_costs as (
    select * from {{ ref('int_campaign_costs_reporting_currency') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

attribution_models as (
    {%- for model in attribution_models() %}
        select '{{ model }}' as attribution_model
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- Each credit is added once, into its stage's sum (one exact sum a row instead
-- of one per stage column), and the stages are then pivoted into columns:
-- exact decimals, so the sums are the same either way.
stage_sums as (
    select
        campaign_id,
        attribution_model,
        fiscal_year,
        fiscal_half,
        stage,
        sum({{ attribution_exact('credit') }}) as credit_sum,
        sum(case when stage = 'won' then {{ attribution_exact('credited_won_amount', 6) }} else 0 end)
            as won_amount_sum
    from credits
    group by campaign_id, attribution_model, fiscal_year, fiscal_half, stage
),

attributed as (
    select
        campaign_id,
        attribution_model,
        fiscal_year,
        fiscal_half,
        {%- for stage, label in stage_columns %}
            cast(
                sum(case when stage = '{{ stage }}' then credit_sum else 0 end)
                as {{ type_ratio() }}
            ) as attributed_{{ label }},
        {%- endfor %}
        cast(sum(won_amount_sum) as {{ type_ratio() }}) as attributed_won_amount
    from stage_sums
    group by campaign_id, attribution_model, fiscal_year, fiscal_half
),

half_costs as (
    select
        campaign_id,
        {{ fiscal_year('cost_date') }} as fiscal_year,
        {{ fiscal_half('cost_date') }} as fiscal_half,
        sum(amount_reporting) as cost
    from campaign_costs
    group by
        campaign_id,
        {{ fiscal_year('cost_date') }},
        {{ fiscal_half('cost_date') }}
),

campaign_halves as (
    select
        campaign_id,
        fiscal_year,
        fiscal_half
    from attributed
    union
    select
        campaign_id,
        fiscal_year,
        fiscal_half
    from sourced
    union
    select
        campaign_id,
        fiscal_year,
        fiscal_half
    from half_costs
),

combined as (
    select
        campaign_halves.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.business_unit,
        attribution_models.attribution_model,
        campaign_halves.fiscal_year,
        campaign_halves.fiscal_half,
        {%- for stage, label in stage_columns %}
            coalesce(attributed.attributed_{{ label }}, 0) as attributed_{{ label }},
        {%- endfor %}
        coalesce(attributed.attributed_won_amount, 0) as attributed_won_amount,
        coalesce(half_costs.cost, 0) as cost,
        {%- for stage, label in stage_columns %}
            coalesce(sourced.sourced_{{ label }}, 0) as sourced_{{ label }},
        {%- endfor %}
        {%- for stage, label in stage_columns %}
            coalesce(influenced.influenced_{{ label }}, 0) as influenced_{{ label }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from campaign_halves
    cross join attribution_models
    left join campaigns
        on campaign_halves.campaign_id = campaigns.campaign_id
    left join attributed
        on campaign_halves.campaign_id = attributed.campaign_id
            and attribution_models.attribution_model = attributed.attribution_model
            and campaign_halves.fiscal_year = attributed.fiscal_year
            and campaign_halves.fiscal_half = attributed.fiscal_half
    left join sourced
        on campaign_halves.campaign_id = sourced.campaign_id
            and campaign_halves.fiscal_year = sourced.fiscal_year
            and campaign_halves.fiscal_half = sourced.fiscal_half
    left join influenced
        on campaign_halves.campaign_id = influenced.campaign_id
            and campaign_halves.fiscal_year = influenced.fiscal_year
            and campaign_halves.fiscal_half = influenced.fiscal_half
    left join half_costs
        on campaign_halves.campaign_id = half_costs.campaign_id
            and campaign_halves.fiscal_year = half_costs.fiscal_year
            and campaign_halves.fiscal_half = half_costs.fiscal_half
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
            {{ safe_divide('cost', 'attributed_' ~ label) }} as cost_per_attributed_{{ stage }},
        {%- endfor %}
        {{ roi('attributed_won_amount', 'cost') }} as roi,
        {%- for stage, label in stage_columns %}
            cast(sourced_{{ label }} as {{ dbt.type_bigint() }}) as sourced_{{ label }},
        {%- endfor %}
        {%- for stage, label in stage_columns %}
            cast(influenced_{{ label }} as {{ dbt.type_bigint() }}) as influenced_{{ label }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from combined
)

select * from final
