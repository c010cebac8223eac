with

source as (
    select * from {{ source('revops_contract', 'opportunities') }}
),

final as (
    select
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        -- The contract links an opportunity to a lead or to nothing (an account-level deal).
        cast(case when lead_id is not null then 'lead' else 'account' end as {{ dbt.type_string() }})
            as lead_origin,
        -- The contract has no account object; company keys come from the leads.
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(created_at as {{ dbt.type_timestamp() }}) as opportunity_created_at,
        cast(stage as {{ dbt.type_string() }}) as crm_stage,
        cast(amount as {{ dbt.type_numeric() }}) as amount,
        cast(coalesce(currency, {{ default_currency() }}) as {{ dbt.type_string() }}) as currency,
        closed_at is not null as is_closed,
        cast(closed_at as {{ dbt.type_timestamp() }}) as closed_at,
        cast(is_won as {{ dbt.type_boolean() }}) as is_won,
        -- Expected close date while open; a closed one closes on the day of closed_at.
        case
            when closed_at is not null then cast(closed_at as date)
            else cast(close_date as date)
        end as close_date
    from source
)

select * from final
