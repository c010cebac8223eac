-- The hand-off SLA rolled up per fiscal month of the MQL, business unit and
-- responding owner. MQLs nobody has responded to are under owner_id
-- '(no response)'; responses without an owner under '(unknown)'.
with

handoff_sla as (
    select * from {{ ref('int_handoff_sla') }}
),

with_owner as (
    select
        fiscal_month,
        fiscal_year,
        fiscal_half,
        business_unit,
        case
            when not is_responded then '(no response)'
            else coalesce(responding_owner_id, '(unknown)')
        end as owner_id,
        responding_owner_name,
        sla_status,
        is_responded,
        is_breached,
        business_days_to_response,
        days_to_response
    from handoff_sla
),

rolled_up as (
    select
        fiscal_month,
        fiscal_year,
        fiscal_half,
        business_unit,
        owner_id,
        max(responding_owner_name) as owner_name,
        count(*) as handed_over,
        sum(case when is_responded then 1 else 0 end) as responded,
        sum(case when sla_status = 'responded_in_sla' then 1 else 0 end) as responded_in_sla,
        sum(case when sla_status = 'responded_late' then 1 else 0 end) as responded_late,
        sum(case when sla_status = 'open_in_sla' then 1 else 0 end) as open_in_sla,
        sum(case when is_breached then 1 else 0 end) as breached,
        {{ median('business_days_to_response') }} as median_business_days_to_response,
        {{ median('days_to_response') }} as median_days_to_response
    from with_owner
    group by fiscal_month, fiscal_year, fiscal_half, business_unit, owner_id
),

final as (
    select
        cast(fiscal_month as date) as fiscal_month,
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(owner_name as {{ dbt.type_string() }}) as owner_name,
        cast(handed_over as {{ dbt.type_bigint() }}) as handed_over,
        cast(responded as {{ dbt.type_bigint() }}) as responded,
        cast(responded_in_sla as {{ dbt.type_bigint() }}) as responded_in_sla,
        cast(responded_late as {{ dbt.type_bigint() }}) as responded_late,
        cast(open_in_sla as {{ dbt.type_bigint() }}) as open_in_sla,
        cast(breached as {{ dbt.type_bigint() }}) as breached,
        {{ safe_divide('breached', 'handed_over') }} as breach_rate,
        cast(median_business_days_to_response as {{ type_ratio() }}) as median_business_days_to_response,
        cast(median_days_to_response as {{ type_ratio() }}) as median_days_to_response
    from rolled_up
)

select * from final
