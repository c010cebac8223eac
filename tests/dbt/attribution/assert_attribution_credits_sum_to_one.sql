-- Every lead x stage it reached after `lead` has credit under every
-- attribution model, and the credits of one model add up to 1. Rows
-- returned: lead x stage x model that are missing or do not sum to 1.
-- Tolerance 1e-12: every touch's credit is a double (~1 ulp of 1 off), summed
-- as a decimal rounded to 1e-24 (attribution_exact: 5e-25 per touch), cast
-- back to double and added again here, so a sum is off by at most about
-- (3 x touches + 2 x campaigns) x 1.1e-16: under 1e-12 up to ~3,000 touches.
with

stage_entries as (
    select * from {{ ref('int_lead_stage_entries') }}
),

credits as (
    select * from {{ ref('fct_attribution_credit') }}
),

attribution_models as (
    {%- for model in attribution_models() %}
        select '{{ model }}' as attribution_model
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

expected as (
    select
        stage_entries.lead_id,
        stage_entries.stage,
        attribution_models.attribution_model
    from stage_entries
    cross join attribution_models
    where stage_entries.stage <> '{{ funnel_stages()[0] }}'
),

credit_sums as (
    select
        lead_id,
        stage,
        attribution_model,
        sum(credit) as credit_sum
    from credits
    group by lead_id, stage, attribution_model
),

final as (
    select
        coalesce(expected.lead_id, credit_sums.lead_id) as lead_id,
        coalesce(expected.stage, credit_sums.stage) as stage,
        coalesce(expected.attribution_model, credit_sums.attribution_model) as attribution_model,
        credit_sums.credit_sum
    from expected
    full outer join credit_sums
        on expected.lead_id = credit_sums.lead_id
            and expected.stage = credit_sums.stage
            and expected.attribution_model = credit_sums.attribution_model
    where expected.lead_id is null
        or credit_sums.lead_id is null
        or abs(credit_sums.credit_sum - 1) > 1e-12
)

select * from final
