-- One row per lead that names its company, with the company key used to find
-- business units chasing the same customer, and the span of the lead's events
-- up to the as-of instant. The key is the normalised domain; a lead without a
-- domain takes the domain of the leads whose normalised company name is the
-- same when exactly one domain carries that name, and otherwise its
-- normalised name. Leads with neither are left out. The per-lead part (the
-- normalised names and the spans) is int_lead_company_spans.
-- Lead-keyed and incremental (docs/nightly.md): a night recomputes the leads
-- whose span row int_lead_company_spans recomputed (the same affected leads and
-- the same judgement of spans cut at the as-of instant) and every lead without
-- a domain, whose key any other lead of its name can change; the matching of
-- names to domains reads every lead.
-- depends_on: {{ ref('int_as_of') }}
{{ lead_replace_config(
    lead_watermark='last_event_at',
    as_of_judgement={'flag': 'is_span_complete', 'due_at': 'latest_event_at', 'every_night_while_false': true},
    also_recompute={'model': 'int_lead_company_spans', 'where': 'dependent_rows.domain_key is null'},
) }}
with

lead_spans as (
    select * from {{ ref('int_lead_company_spans') }}
),

recomputed_spans as (
    select * from lead_spans
    {{- incremental_lead_filter() }}
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
        recomputed_spans.lead_id,
        recomputed_spans.business_unit,
        recomputed_spans.company_name,
        recomputed_spans.domain_key,
        recomputed_spans.name_key,
        case
            when recomputed_spans.domain_key is not null then recomputed_spans.domain_key
            when name_domains.domain_count = 1 then name_domains.only_domain
            else recomputed_spans.name_key
        end as company_key,
        case
            when recomputed_spans.domain_key is not null then 'domain'
            when name_domains.domain_count = 1 then 'name_to_domain'
            else 'name'
        end as matched_by,
        recomputed_spans.first_event_at,
        recomputed_spans.last_event_at,
        recomputed_spans.latest_event_at,
        recomputed_spans.is_span_complete
    from recomputed_spans
    left join name_domains
        on recomputed_spans.name_key = name_domains.name_key
)

select * from final
