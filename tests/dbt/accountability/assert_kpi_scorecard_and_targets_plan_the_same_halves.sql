{#-
    The KPI scorecard and the KPI targets plan the same fiscal halves. A half the
    targets plan and the scorecard does not weighs nothing: no team gets a
    blended score (a year typed 2062 for 2026 in one seed). A half the scorecard
    weights and no target names leaves every attainment of the half empty. The
    build fails and names the half and the seed that lacks it.
-#}
{%- set missing_sql -%}
with

scorecard as (
    select * from {{ ref('int_kpi_scorecard') }}
),

targets as (
    select * from {{ ref('int_kpi_targets') }}
),

scorecard_halves as (
    select distinct
        fiscal_year,
        fiscal_half
    from scorecard
),

target_halves as (
    select distinct
        fiscal_year,
        fiscal_half
    from targets
),

planned_halves as (
    select
        coalesce(scorecard_halves.fiscal_year, target_halves.fiscal_year) as fiscal_year,
        coalesce(scorecard_halves.fiscal_half, target_halves.fiscal_half) as fiscal_half,
        scorecard_halves.fiscal_year is not null as in_scorecard,
        target_halves.fiscal_year is not null as in_targets
    from scorecard_halves
    full outer join target_halves
        on scorecard_halves.fiscal_year = target_halves.fiscal_year
            and scorecard_halves.fiscal_half = target_halves.fiscal_half
),

final as (
    select
        fiscal_year,
        fiscal_half,
        case when in_scorecard then 'kpi_targets' else 'kpi_scorecard' end as missing_from
    from planned_halves
    where not (in_scorecard and in_targets)
)

select * from final
{%- endset -%}

{% call(row) raise_listing_rows(
    missing_sql,
    'fiscal_year, fiscal_half, missing_from',
    'KPI plan halves in one seed and not the other (seeds/accountability): {rows}. Add the half to the '
    ~ 'seed that lacks it, or correct the fiscal_year or fiscal_half typed in the other (docs/accountability.md).'
) -%}
    FY{{ row[0] }} {{ row[1] }} is missing from {{ row[2] }}
{%- endcall %}

{{ missing_sql }}
