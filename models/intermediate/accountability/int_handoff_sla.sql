-- The MQL hand-off to inside sales, one row per handed-over MQL: a lead that
-- reached MQL by its own rule (not implied - an implied MQL was never handed
-- over: the lead was accepted or became an opportunity first).
-- First response: the lead's first status change, or the creation of one of its
-- opportunities (response_status 'opportunity', by the opportunity's owner), at
-- or after mql_at: inside sales that turns the lead into an opportunity without
-- recording a status has responded. Ties on the time: a status change before an
-- opportunity, then by status, then owner_id, alphabetically; a missing status
-- or owner sorts last, stated explicitly: engines differ by default, Spark
-- puts NULL first, DuckDB and PostgreSQL last).
-- Business days: weekdays that are not Japanese public holidays
-- (int_business_calendar). business_days_to_response = business days after the
-- MQL's date up to and including the response's date. The SLA is due at the
-- end of the var('sal_sla_business_days')-th business day after the MQL's date
-- (sla_due_on); a response after that day, or no response by the end of it at
-- as_of_at (the day is over at its last instant, 23:59:59.999999: day_is_over,
-- the one "period is over" rule), is a breach.
-- Incremental by lead (lead_replace, docs/nightly.md): a lead's rows change
-- with its own events, and besides them only when the as-of instant moves
-- across its due day's last instant (as_of_judgement on is_sla_due_day_over)
-- or its responding owner's row changes (stored_lookup on the name and team;
-- handoff_sla_lead_replace_config, shared with mart_handoff_sla). The business
-- calendar keeps the difference of any two dates' business-day numbers
-- whatever years the loader adds; a new pin of its holidays package changes the
-- nightly job's fingerprint, and the night rebuilds everything.
-- Slightly over 150 lines: the response, the business-day count and the SLA
-- status are one judgement per handed-over MQL, pinned by one unit test.
{%- set sla_days = var('sal_sla_business_days') | int %}
{%- if sla_days < 1 %}
    {{ exceptions.raise_compiler_error("var sal_sla_business_days must be at least 1, got " ~ sla_days) }}
{%- endif %}
{{ handoff_sla_lead_replace_config() }}
with

stages_entered as (
    select * from {{ ref('int_lead_stages_entered') }}
    {{- incremental_lead_filter() }}
),

status_changes as (
    select * from {{ ref('stg_crm__lead_status_changes') }}
    {{- incremental_lead_filter() }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
    {{- incremental_lead_filter() }}
),

owners as (
    select * from {{ ref('stg_crm__owners') }}
),

calendar as (
    select * from {{ ref('int_business_calendar') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

handed_over as (
    select
        lead_id,
        business_unit,
        mql_at,
        cast(mql_at as date) as mql_on
    from stages_entered
    where mql_at is not null
        and not is_mql_implied
),

response_events as (
    select
        lead_id,
        changed_at,
        0 as event_order,
        status,
        owner_id
    from status_changes
    union all
    select
        lead_id,
        opportunity_created_at as changed_at,
        1 as event_order,
        'opportunity' as status,
        owner_id
    from opportunities
    where lead_id is not null
),

responses as (
    select
        handed_over.lead_id,
        response_events.changed_at,
        response_events.status,
        response_events.owner_id,
        row_number() over (
            partition by handed_over.lead_id
            order by
                response_events.changed_at,
                response_events.event_order,
                response_events.status nulls last,
                response_events.owner_id nulls last
        ) as response_number
    from handed_over
    inner join response_events
        on handed_over.lead_id = response_events.lead_id
            and handed_over.mql_at <= response_events.changed_at
),

first_responses as (
    select
        lead_id,
        changed_at as first_response_at,
        status as response_status,
        owner_id as responding_owner_id
    from responses
    where response_number = 1
),

sla_due as (
    select
        handed_over.lead_id,
        min(due_days.calendar_date) as sla_due_on
    from handed_over
    inner join calendar as mql_days
        on handed_over.mql_on = mql_days.calendar_date
    inner join calendar as due_days
        on mql_days.business_day_number + {{ sla_days }} = due_days.business_day_number
            and due_days.is_business_day
    group by handed_over.lead_id
),

combined as (
    select
        handed_over.lead_id,
        handed_over.business_unit,
        handed_over.mql_at,
        handed_over.mql_on,
        first_responses.first_response_at,
        first_responses.response_status,
        first_responses.responding_owner_id,
        owners.owner_name as responding_owner_name,
        owners.team as responding_owner_team,
        response_days.business_day_number - mql_days.business_day_number as business_days_to_response,
        {{ days_between('handed_over.mql_at', 'first_responses.first_response_at') }} as days_to_response,
        sla_due.sla_due_on,
        {{ day_last_instant('sla_due.sla_due_on') }} as sla_due_until,
        {{ day_is_over('sla_due.sla_due_on', 'as_of.as_of_at') }} as is_sla_due_day_over
    from handed_over
    cross join as_of
    left join first_responses
        on handed_over.lead_id = first_responses.lead_id
    left join owners
        on first_responses.responding_owner_id = owners.owner_id
    left join calendar as mql_days
        on handed_over.mql_on = mql_days.calendar_date
    left join calendar as response_days
        on cast(first_responses.first_response_at as date) = response_days.calendar_date
    left join sla_due
        on handed_over.lead_id = sla_due.lead_id
),

judged as (
    select
        *,
        case
            when first_response_at is not null then cast(first_response_at as date) > sla_due_on
            else is_sla_due_day_over
        end as is_breached
    from combined
),

final as (
    select
        lead_id,
        business_unit,
        mql_at,
        mql_on,
        {{ month_start('mql_at') }} as fiscal_month,
        {{ fiscal_year('mql_at') }} as fiscal_year,
        {{ fiscal_half('mql_at') }} as fiscal_half,
        {{ sla_days }} as sla_business_days,
        sla_due_on,
        sla_due_until,
        is_sla_due_day_over,
        first_response_at,
        response_status,
        responding_owner_id,
        case
            when first_response_at is null then '(no response)'
            else coalesce(responding_owner_id, '(unknown)')
        end as sla_owner_id,
        responding_owner_name,
        responding_owner_team,
        business_days_to_response,
        days_to_response,
        first_response_at is not null as is_responded,
        is_breached,
        case
            when first_response_at is not null and not is_breached then 'responded_in_sla'
            when first_response_at is not null then 'responded_late'
            when not is_breached then 'open_in_sla'
            else 'open_breached'
        end as sla_status
    from judged
)

select * from final
