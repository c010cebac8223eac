-- What a new MQL definition version does, before it is agreed: per month of
-- the MQL time and business unit, leads that became MQLs under the definition
-- versions in force at the time, and under the latest version applied to all
-- history. Independent of var mql_restate_with_latest_version.
with

mql_by_definition as (
    select * from {{ ref('int_lead_mql_by_definition') }}
),

definition_versions as (
    select * from {{ ref('mql_definition_versions') }}
),

in_force_counts as (
    select
        {{ month_start('in_force_mql_at') }} as mql_month,
        business_unit,
        count(*) as mqls_in_force,
        sum(case when latest_version_mql_at is null then 1 else 0 end) as mqls_only_in_force
    from mql_by_definition
    where in_force_mql_at is not null
    group by {{ month_start('in_force_mql_at') }}, business_unit
),

latest_counts as (
    select
        {{ month_start('latest_version_mql_at') }} as mql_month,
        business_unit,
        count(*) as mqls_latest_version,
        sum(case when in_force_mql_at is null then 1 else 0 end) as mqls_only_latest_version
    from mql_by_definition
    where latest_version_mql_at is not null
    group by {{ month_start('latest_version_mql_at') }}, business_unit
),

slices as (
    select
        mql_month,
        business_unit
    from in_force_counts
    union
    select
        mql_month,
        business_unit
    from latest_counts
),

latest_definition as (
    select max(version) as latest_version
    from definition_versions
),

combined as (
    select
        slices.mql_month,
        slices.business_unit,
        coalesce(in_force_counts.mqls_in_force, 0) as mqls_in_force,
        coalesce(latest_counts.mqls_latest_version, 0) as mqls_latest_version,
        coalesce(in_force_counts.mqls_only_in_force, 0) as mqls_only_in_force,
        coalesce(latest_counts.mqls_only_latest_version, 0) as mqls_only_latest_version
    from slices
    left join in_force_counts
        on slices.mql_month = in_force_counts.mql_month
            and slices.business_unit = in_force_counts.business_unit
    left join latest_counts
        on slices.mql_month = latest_counts.mql_month
            and slices.business_unit = latest_counts.business_unit
),

final as (
    select
        combined.mql_month,
        {{ fiscal_year('combined.mql_month') }} as fiscal_year,
        {{ fiscal_half('combined.mql_month') }} as fiscal_half,
        combined.business_unit,
        cast(latest_definition.latest_version as integer) as latest_version,
        cast(combined.mqls_in_force as {{ dbt.type_bigint() }}) as mqls_in_force,
        cast(combined.mqls_latest_version as {{ dbt.type_bigint() }}) as mqls_latest_version,
        cast(combined.mqls_latest_version - combined.mqls_in_force as {{ dbt.type_bigint() }}) as mql_change,
        {{ safe_divide('combined.mqls_latest_version - combined.mqls_in_force', 'combined.mqls_in_force') }}
            as mql_change_rate,
        cast(combined.mqls_only_in_force as {{ dbt.type_bigint() }}) as mqls_only_in_force,
        cast(combined.mqls_only_latest_version as {{ dbt.type_bigint() }}) as mqls_only_latest_version
    from combined
    cross join latest_definition
)

select * from final
