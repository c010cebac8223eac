-- The people of the funnel: every lead, plus every contact created directly (e.g. by field sales or
-- from a business card): one no lead was converted into, or one that existed before the first lead
-- converted into it was created (a customer's contact a new lead was merged into; it stays a person
-- for its own past, stg_salesforce__crm_person_keys). Deleted records are left out.
-- A contact's company is its account's name and website. company_domain: the website's host
-- (scheme, port, path, query and fragment removed; the company key drops `www.`), else the
-- e-mail's domain (a free-mail or carrier one too: int_lead_company_spans keeps the domains of
-- seed free_mail_domains out of the company key, for every source). business_unit: the record's
-- business-unit field (var salesforce_business_unit_field), else its owner's, else var
-- default_business_unit.
with

leads as (
    select * from {{ ref('stg_salesforce__lead') }}
),

contacts as (
    select * from {{ ref('stg_salesforce__contact') }}
),

accounts as (
    select * from {{ ref('stg_salesforce__account') }}
),

users as (
    select * from {{ ref('stg_salesforce__user') }}
),

converted_contacts as (
    select
        {{ salesforce_id15('converted_contact_id') }} as contact_id15,
        min(created_at) as first_lead_created_at
    from leads
    where converted_contact_id is not null
    group by {{ salesforce_id15('converted_contact_id') }}
),

lead_people as (
    select
        lead_id as person_id,
        'lead' as person_object,
        created_at,
        company as company_name,
        website,
        email,
        owner_id,
        business_unit,
        crm_mql_at,
        updated_at
    from leads
),

contact_people as (
    select
        contacts.contact_id as person_id,
        'contact' as person_object,
        contacts.created_at,
        accounts.account_name as company_name,
        accounts.website,
        contacts.email,
        contacts.owner_id,
        contacts.business_unit,
        contacts.crm_mql_at,
        cast(null as {{ dbt.type_timestamp() }}) as updated_at
    from contacts
    left join accounts
        on {{ salesforce_id15('contacts.account_id') }} = {{ salesforce_id15('accounts.account_id') }}
    left join converted_contacts
        on {{ salesforce_id15('contacts.contact_id') }} = converted_contacts.contact_id15
    where converted_contacts.contact_id15 is null
        or contacts.created_at < converted_contacts.first_lead_created_at
),

people as (
    select * from lead_people
    union all
    select * from contact_people
),

domains as (
    select
        *,
        regexp_replace(regexp_replace(lower(trim(website)), '^[a-z]+://', ''), '[/?#:].*$', '') as website_host,
        regexp_replace(lower(trim(email)), '^.*@', '') as email_domain
    from people
),

final as (
    select
        domains.person_id,
        domains.person_object,
        domains.created_at,
        domains.company_name,
        coalesce(
            nullif(domains.website_host, ''),
            case when domains.email like '%@%' then nullif(domains.email_domain, '') end
        ) as company_domain,
        domains.email,
        domains.owner_id,
        coalesce(domains.business_unit, users.business_unit, '{{ var("default_business_unit") }}')
            as business_unit,
        domains.crm_mql_at,
        domains.updated_at
    from domains
    left join users
        on {{ salesforce_id15('domains.owner_id') }} = {{ salesforce_id15('users.user_id') }}
)

select * from final
