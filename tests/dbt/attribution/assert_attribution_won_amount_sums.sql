-- For every lead x stage x attribution model, credited_won_amount adds up to
-- the lead's won amount in fct_lead_funnel, within a relative 1e-12: the
-- credits' bound (assert_attribution_credits_sum_to_one) plus an ulp for
-- each product credit x won amount. Rows returned break it.
with

credits as (
    select * from {{ ref('fct_attribution_credit') }}
),

lead_funnel as (
    select * from {{ ref('fct_lead_funnel') }}
),

amount_sums as (
    select
        lead_id,
        stage,
        attribution_model,
        sum(credited_won_amount) as credited_won_amount
    from credits
    group by lead_id, stage, attribution_model
),

final as (
    select
        amount_sums.lead_id,
        amount_sums.stage,
        amount_sums.attribution_model,
        amount_sums.credited_won_amount,
        lead_funnel.won_amount
    from amount_sums
    left join lead_funnel
        on amount_sums.lead_id = lead_funnel.lead_id
    where lead_funnel.lead_id is null
        or abs(amount_sums.credited_won_amount - lead_funnel.won_amount)
        > 1e-12 * (case when abs(lead_funnel.won_amount) > 1 then abs(lead_funnel.won_amount) else 1 end)
)

select * from final
