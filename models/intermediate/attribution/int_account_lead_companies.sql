-- One row per lead that names its company, with the company key used to find
-- business units chasing the same customer, and the span of the lead's events
-- up to the as-of instant. The key is the normalised domain; a lead without a
-- domain takes the domain of the leads whose normalised company name is the
-- same when exactly one domain carries that name, and otherwise its
-- normalised name. Leads with neither are left out.
{%- set last_name_step = 'name_step_' ~ (normalize_company_name_steps('name_key') | length) %}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

activities as (
    select * from {{ ref('stg_crm__lead_activities') }}
),

status_changes as (
    select * from {{ ref('stg_crm__lead_status_changes') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

name_step_0 as (
    select
        lead_id,
        company_name as name_key
    from leads
),

{% for step in normalize_company_name_steps('name_key') %}
    name_step_{{ loop.index }} as (
        select
            lead_id,
            {{ step }} as name_key
        from name_step_{{ loop.index0 }}
    ),

{% endfor -%}

normalised as (
    select
        leads.lead_id,
        leads.business_unit,
        leads.company_name,
        {{ normalize_company_domain('leads.company_domain') }} as domain_key,
        {{ last_name_step }}.name_key
    from leads
    inner join {{ last_name_step }}
        on leads.lead_id = {{ last_name_step }}.lead_id
),

name_domains as (
    select
        name_key,
        count(distinct domain_key) as domain_count,
        min(domain_key) as only_domain
    from normalised
    where name_key is not null
        and domain_key is not null
    group by name_key
),

lead_events as (
    select
        lead_id,
        lead_created_at as event_at
    from leads
    union all
    select
        lead_id,
        activity_at as event_at
    from activities
    union all
    select
        lead_id,
        changed_at as event_at
    from status_changes
    union all
    select
        lead_id,
        opportunity_created_at as event_at
    from opportunities
    where lead_id is not null
),

lead_event_spans as (
    select
        lead_events.lead_id,
        min(lead_events.event_at) as first_event_at,
        max(lead_events.event_at) as last_event_at
    from lead_events
    cross join as_of
    where lead_events.event_at <= as_of.as_of_at
    group by lead_events.lead_id
),

final as (
    select
        normalised.lead_id,
        normalised.business_unit,
        normalised.company_name,
        normalised.domain_key,
        normalised.name_key,
        case
            when normalised.domain_key is not null then normalised.domain_key
            when name_domains.domain_count = 1 then name_domains.only_domain
            else normalised.name_key
        end as company_key,
        case
            when normalised.domain_key is not null then 'domain'
            when name_domains.domain_count = 1 then 'name_to_domain'
            else 'name'
        end as matched_by,
        lead_event_spans.first_event_at,
        lead_event_spans.last_event_at
    from normalised
    left join name_domains
        on normalised.name_key = name_domains.name_key
    left join lead_event_spans
        on normalised.lead_id = lead_event_spans.lead_id
    where normalised.domain_key is not null
        or normalised.name_key is not null
)

select * from final
