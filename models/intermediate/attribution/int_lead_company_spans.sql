-- One row per lead that names its company: its normalised domain and name
-- (the per-lead half of int_account_lead_companies) and the span of its
-- events up to the as-of instant. A free-mail or carrier domain (seed
-- free_mail_domains, or a sub-domain of one: gmail.com, docomo.ne.jp) names no
-- company: its domain key is null, so the lead is keyed by its name.
-- Lead-keyed and incremental (docs/nightly.md):
-- a night recomputes only the affected leads; the account-level matching of
-- names to domains stays in int_account_lead_companies. A span cut at the
-- as-of instant (an event after it: is_span_complete false) depends on that
-- instant, so its lead is recomputed every night until the span is complete,
-- and when the instant moves back before the span's end. A change of seed
-- free_mail_domains makes scripts/nightly.py rebuild in full, so no stored
-- row keeps a key the seed no longer gives.
{{ lead_replace_config(
    lead_watermark='last_event_at',
    as_of_judgement={'flag': 'is_span_complete', 'due_at': 'latest_event_at', 'every_night_while_false': true},
) }}
{%- set last_name_step = 'name_step_' ~ (normalize_company_name_steps('name_key') | length) %}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
    {{- incremental_lead_filter() }}
),

events as (
    select * from {{ ref('int_funnel_events') }}
    {{- incremental_lead_filter() }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

free_mail_domains as (
    select * from {{ ref('free_mail_domains') }}
),

-- Each distinct name and domain is normalised once, then joined back (10M leads carry about
-- 150,000 names and 16,000 domains).
name_step_0 as (
    select distinct
        company_name,
        company_name as name_key
    from leads
    where company_name is not null
),

{% for step in normalize_company_name_steps('name_key') %}
    name_step_{{ loop.index }} as (
        select
            company_name,
            {{ step }} as name_key
        from name_step_{{ loop.index0 }}
    ),

{% endfor -%}

domains as (
    select distinct
        company_domain,
        {{ normalize_company_domain('company_domain') }} as domain_key
    from leads
    where company_domain is not null
),

-- The seed normalised as the domains are, so `Gmail.com ` or `www.gmail.com` in it still matches.
free_mail_keys as (
    select distinct {{ normalize_company_domain('domain') }} as free_mail_key
    from free_mail_domains
),

free_mail_matches as (
    select distinct domains.company_domain
    from domains
    inner join free_mail_keys
        on domains.domain_key = free_mail_keys.free_mail_key
            or domains.domain_key like {{ dbt.concat(["'%.'", 'free_mail_keys.free_mail_key']) }}
),

company_domains as (
    select
        domains.company_domain,
        case when free_mail_matches.company_domain is null then domains.domain_key end as domain_key
    from domains
    left join free_mail_matches
        on domains.company_domain = free_mail_matches.company_domain
),

normalised as (
    select
        leads.lead_id,
        leads.business_unit,
        leads.company_name,
        company_domains.domain_key,
        {{ last_name_step }}.name_key
    from leads
    left join company_domains
        on leads.company_domain = company_domains.company_domain
    left join {{ last_name_step }}
        on leads.company_name = {{ last_name_step }}.company_name
),

-- A lead's engagement events (int_funnel_events): when a team is working it.
lead_events as (
    select
        lead_id,
        event_at
    from events
    where event_type in ('lead_created', 'activity', 'status_change', 'opportunity_created')
        and lead_id is not null
),

lead_event_spans as (
    select
        lead_events.lead_id,
        min(case when lead_events.event_at <= as_of.as_of_at then lead_events.event_at end) as first_event_at,
        max(case when lead_events.event_at <= as_of.as_of_at then lead_events.event_at end) as last_event_at,
        max(lead_events.event_at) as latest_event_at,
        max(lead_events.event_at) <= max(as_of.as_of_at) as is_span_complete
    from lead_events
    cross join as_of
    group by lead_events.lead_id
),

final as (
    select
        normalised.lead_id,
        normalised.business_unit,
        normalised.company_name,
        normalised.domain_key,
        normalised.name_key,
        lead_event_spans.first_event_at,
        lead_event_spans.last_event_at,
        lead_event_spans.latest_event_at,
        lead_event_spans.is_span_complete
    from normalised
    left join lead_event_spans
        on normalised.lead_id = lead_event_spans.lead_id
    where normalised.domain_key is not null
        or normalised.name_key is not null
)

select * from final
