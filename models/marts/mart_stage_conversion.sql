-- Cohort conversion: leads created in a month, by business unit and source
-- channel, through every stage. Dense: all stages for every cohort that has a
-- lead, with zero counts as 0.
with

lead_funnel as (
    select * from {{ ref('fct_lead_funnel') }}
),

stage_entries as (
    select * from {{ ref('int_lead_stage_entries') }}
),

funnel_stages as (
    select * from {{ ref('int_funnel_stages') }}
),

cohort_entries as (
    select
        {{ month_start('lead_funnel.lead_created_at') }} as cohort_month,
        lead_funnel.business_unit,
        lead_funnel.source_channel,
        stage_entries.stage,
        stage_entries.entered_at,
        stage_entries.next_entered_at
    from stage_entries
    inner join lead_funnel
        on stage_entries.lead_id = lead_funnel.lead_id
),

cohort_counts as (
    select
        cohort_month,
        business_unit,
        source_channel,
        stage,
        count(*) as reached_count,
        count(next_entered_at) as converted_count,
        {{ median(days_between('entered_at', 'next_entered_at')) }} as median_days_to_next
    from cohort_entries
    group by cohort_month, business_unit, source_channel, stage
),

cohorts as (
    select distinct
        cohort_month,
        business_unit,
        source_channel
    from cohort_entries
),

dense as (
    select
        cohorts.cohort_month,
        cohorts.business_unit,
        cohorts.source_channel,
        funnel_stages.stage,
        funnel_stages.stage_order,
        funnel_stages.next_stage
    from cohorts
    cross join funnel_stages
),

final as (
    select
        dense.cohort_month,
        {{ fiscal_year('dense.cohort_month') }} as fiscal_year,
        {{ fiscal_half('dense.cohort_month') }} as fiscal_half,
        dense.business_unit,
        dense.source_channel,
        dense.stage,
        dense.stage_order,
        dense.next_stage,
        cast(coalesce(cohort_counts.reached_count, 0) as {{ dbt.type_bigint() }}) as reached_count,
        cast(
            case when dense.next_stage is not null then coalesce(cohort_counts.converted_count, 0) end
            as {{ dbt.type_bigint() }}
        ) as converted_count,
        {{ stage_conversion_rate('dense.next_stage', 'cohort_counts.converted_count', 'cohort_counts.reached_count') }}
            as conversion_rate,
        case
            when dense.next_stage is not null
                then cast(cohort_counts.median_days_to_next as {{ type_exact_ratio() }})
        end as median_days_to_next
    from dense
    left join cohort_counts
        on dense.cohort_month = cohort_counts.cohort_month
            and dense.business_unit = cohort_counts.business_unit
            and dense.source_channel = cohort_counts.source_channel
            and dense.stage = cohort_counts.stage
)

select * from final
