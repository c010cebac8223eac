-- Owners: one row per Salesforce user. team comes from seed user_role_team_map on the user's role
-- name; a user without a role, or with a role the seed does not map, is on team `unassigned`.
with

users as (
    select * from {{ ref('stg_salesforce__user') }}
),

roles as (
    select * from {{ ref('stg_salesforce__user_role') }}
),

role_teams as (
    select * from {{ ref('user_role_team_map') }}
),

final as (
    select
        users.user_id as owner_id,
        users.user_name as owner_name,
        coalesce(role_teams.team, 'unassigned') as team,
        users.business_unit,
        roles.role_name,
        role_teams.team is not null as is_role_mapped
    from users
    left join roles
        on {{ salesforce_id15('users.user_role_id') }} = {{ salesforce_id15('roles.user_role_id') }}
    left join role_teams
        on roles.role_name = role_teams.role_name
)

select * from final
