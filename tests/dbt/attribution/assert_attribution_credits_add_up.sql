-- The two invariants of marts.fct_attribution_credit, in one pass over it
-- (at 10M leads it holds ~90M rows; one aggregation instead of two):
--   * every lead x stage it reached after `lead` has credit under every
--     attribution model, and the credits of one model add up to 1;
--   * credited_won_amount of one lead x stage x model adds up to the lead's
--     won amount in fct_lead_funnel, within a relative 1e-12.
-- Rows returned break one of them; `problem` says which.
-- Tolerance 1e-12: every touch's credit is a double (~1 ulp of 1 off), summed
-- as a decimal rounded to 1e-24 (attribution_exact: 5e-25 per touch), cast
-- back to double and added again here, so a sum is off by at most about
-- (3 x touches + 2 x campaigns) x 1.1e-16: under 1e-12 up to ~3,000 touches.
-- The amounts add an ulp for each product credit x won amount.
-- Each lead is judged on its own rows, so an incremental night reads only the
-- leads the three models rewrote since this test last passed
-- (untested_leads_where, macros/nightly/untested_leads.sql).
{%- set lead_models = ['int_lead_stage_entries', 'fct_attribution_credit', 'fct_lead_funnel'] %}
with

stage_entries as (
    select * from {{ ref('int_lead_stage_entries') }}
    {{ untested_leads_where(lead_models) }}
),

credits as (
    select * from {{ ref('fct_attribution_credit') }}
    {{ untested_leads_where(lead_models) }}
),

lead_funnel as (
    select * from {{ ref('fct_lead_funnel') }}
    {{ untested_leads_where(lead_models) }}
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
        sum(credit) as credit_sum,
        sum(credited_won_amount) as credited_won_amount
    from credits
    group by lead_id, stage, attribution_model
),

compared as (
    select
        coalesce(expected.lead_id, credit_sums.lead_id) as lead_id,
        coalesce(expected.stage, credit_sums.stage) as stage,
        coalesce(expected.attribution_model, credit_sums.attribution_model) as attribution_model,
        expected.lead_id is not null as is_expected,
        credit_sums.lead_id is not null as is_credited,
        credit_sums.credit_sum,
        credit_sums.credited_won_amount,
        lead_funnel.lead_id is not null as is_in_funnel,
        lead_funnel.won_amount
    from expected
    full outer join credit_sums
        on expected.lead_id = credit_sums.lead_id
            and expected.stage = credit_sums.stage
            and expected.attribution_model = credit_sums.attribution_model
    left join lead_funnel
        on coalesce(expected.lead_id, credit_sums.lead_id) = lead_funnel.lead_id
),

judged as (
    select
        lead_id,
        stage,
        attribution_model,
        credit_sum,
        credited_won_amount,
        won_amount,
        case
            when not is_expected then 'credit for a stage the lead did not reach'
            when not is_credited then 'no credit for a stage the lead reached'
            when abs(credit_sum - 1) > 1e-12 then 'credits do not add up to 1'
            when not is_in_funnel then 'lead missing from fct_lead_funnel'
            when
                abs(credited_won_amount - won_amount)
                > 1e-12 * (case when abs(won_amount) > 1 then abs(won_amount) else 1 end)
                then 'credited won amounts do not add up to the won amount'
        end as problem
    from compared
),

final as (
    select * from judged
    where problem is not null
)

select * from final
