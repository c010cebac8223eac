-- The funnel of a fiscal half: the cohort months of the half
-- (mart_stage_conversion_unit_monthly: every source channel together) added up
-- for each business unit and for every unit together (business_unit_scope;
-- '(all)' is all_rows_label()). A row's conversion rate is of its summed counts
-- (macro stage_conversion_rollup), never a mean of the months' or the units'
-- rates: what the dashboard's funnel shows per half. A half is mature once it
-- is over and its youngest leads have had the forward window
-- (cohort_maturity_columns). Renewals come a contract term later: the last day
-- a lead of the half can still reach renewed under the default terms (macros
-- default_contract_end and churn_on, the rules of int_contract_terms and
-- int_contracts) and whether the as-of is within it (period_is_over), with the
-- vars the build judged by, so the dashboard neither recomputes the rule nor
-- reads the vars.
with

unit_monthly as (
    select * from {{ ref('mart_stage_conversion_unit_monthly') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

rolled_up as (
    {{ stage_conversion_rollup('unit_monthly', ['fiscal_year', 'fiscal_half']) }}
),

-- The as-of instant beside every row, for its maturity.
dated as (
    {{ rows_with_as_of('rolled_up') }}
),

half_starts as (
    select
        dated.*,
        {{ fiscal_half_start_of('dated.fiscal_year', 'dated.fiscal_half') }} as half_start
    from dated
),

-- The half's end (exclusive: the next half's first day), once: its maturity and its
-- renewal window start from it.
half_ends as (
    select
        half_starts.*,
        cast({{ dbt.dateadd('month', 6, 'half_starts.half_start') }} as date) as half_end
    from half_starts
),

-- The renewal window, one step a CTE (nested, dbt.dateadd repeats its argument on Spark
-- many times over): a lead created on the half's last day (the day before half_end) is won
-- at the latest when its forward window ends...
latest_wins as (
    select
        half_ends.*,
        cast(
            {{ dbt.dateadd('day', forward_window_days() - 1, 'half_ends.half_end') }} as date
        ) as latest_won_on
    from half_ends
),

-- ... on a contract of the default length (int_contract_terms' rule) ...
latest_contracts as (
    select
        latest_wins.*,
        {{ default_contract_end('latest_wins.latest_won_on') }} as latest_contract_end
    from latest_wins
),

-- ... that churns, unless renewed, after the grace (int_contracts' rule).
renewal_windows as (
    select
        latest_contracts.*,
        {{ churn_on('latest_contracts.latest_contract_end') }} as renewals_open_until
    from latest_contracts
),

final as (
    select
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        {{ stage_conversion_rollup_columns() }},
        {{ cohort_maturity_columns('half_end', 'as_of_at') }},
        cast(renewals_open_until as date) as renewals_open_until,
        -- Open until the last instant of its last day (the one "period is over" rule).
        coalesce(
            not {{ period_is_over(dbt.dateadd('day', 1, 'renewals_open_until'), 'as_of_at') }}, false
        ) as is_renewal_window_open,
        cast({{ var('default_contract_months') }} as integer) as default_contract_months,
        cast({{ var('renewal_grace_days') }} as integer) as renewal_grace_days
    from renewal_windows
)

select * from final
