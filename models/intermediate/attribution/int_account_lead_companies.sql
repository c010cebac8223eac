-- One row per lead that names its company, with the company key used to find
-- business units chasing the same customer, and the span of the lead's events
-- up to the as-of instant. The key is the normalised domain; a lead without a
-- domain takes the domain of the leads whose normalised company name is the
-- same when exactly one domain carries that name, and otherwise its
-- normalised name. Leads with neither are left out. The per-lead part (the
-- normalised names and the spans) is int_lead_company_spans, built
-- incrementally; only the matching of names to domains runs over all leads.
with

lead_spans as (
    select * from {{ ref('int_lead_company_spans') }}
),

name_domains as (
    select
        name_key,
        count(distinct domain_key) as domain_count,
        min(domain_key) as only_domain
    from lead_spans
    where name_key is not null
        and domain_key is not null
    group by name_key
),

final as (
    select
        lead_spans.lead_id,
        lead_spans.business_unit,
        lead_spans.company_name,
        lead_spans.domain_key,
        lead_spans.name_key,
        case
            when lead_spans.domain_key is not null then lead_spans.domain_key
            when name_domains.domain_count = 1 then name_domains.only_domain
            else lead_spans.name_key
        end as company_key,
        case
            when lead_spans.domain_key is not null then 'domain'
            when name_domains.domain_count = 1 then 'name_to_domain'
            else 'name'
        end as matched_by,
        lead_spans.first_event_at,
        lead_spans.last_event_at
    from lead_spans
    left join name_domains
        on lead_spans.name_key = name_domains.name_key
)

select * from final
