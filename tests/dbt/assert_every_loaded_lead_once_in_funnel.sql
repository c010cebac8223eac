-- Reconciliation: every loaded lead appears exactly once in fct_lead_funnel,
-- and the funnel holds no lead that was not loaded.
with

loaded as (
    select lead_id from {{ ref('stg_crm__leads') }}
),

funnel as (
    select lead_id from {{ ref('fct_lead_funnel') }}
),

funnel_counts as (
    select
        lead_id,
        count(*) as rows_in_funnel
    from funnel
    group by lead_id
),

final as (
    select
        coalesce(loaded.lead_id, funnel_counts.lead_id) as lead_id,
        coalesce(funnel_counts.rows_in_funnel, 0) as rows_in_funnel,
        loaded.lead_id is not null as is_loaded
    from loaded
    full outer join funnel_counts
        on loaded.lead_id = funnel_counts.lead_id
    where loaded.lead_id is null or coalesce(funnel_counts.rows_in_funnel, 0) <> 1
)

select * from final
