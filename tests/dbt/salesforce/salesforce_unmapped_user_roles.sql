{{ config(severity='warn', enabled=var('crm_source', 'contract') == 'salesforce') }}
-- UserRole names seed user_role_team_map does not map (team `unassigned`), with user counts.
with

owners as (
    select * from {{ ref('stg_salesforce__crm_owners') }}
),

final as (
    select
        role_name,
        count(*) as user_count
    from owners
    where role_name is not null
        and not is_role_mapped
    group by role_name
)

select * from final
