-- One row per lead flagged MQL by the CRM/MA tool's own rule (crm_mql_at), by
-- the agreed definition the marts use (int_lead_mql_recorded), or by both.
-- Compared with the agreed rule's recorded time: implied MQLs (leads that
-- skipped the stage) are not rule decisions, so they are not drift.
-- Built incrementally by lead (docs/nightly.md); its watermark is the agreed MQL
-- time, an event time, never the CRM's flag time, which is no event.
{{ lead_replace_config(lead_watermark='agreed_mql_at') }}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
    {{- incremental_lead_filter() }}
),

mql_recorded as (
    select * from {{ ref('int_lead_mql_recorded') }}
    {{- incremental_lead_filter() }}
),

signals as (
    select
        leads.lead_id,
        leads.business_unit,
        leads.crm_mql_at,
        mql_recorded.mql_recorded_at as agreed_mql_at,
        case
            when mql_recorded.mql_recorded_at is null or leads.crm_mql_at < mql_recorded.mql_recorded_at
                then leads.crm_mql_at
            else mql_recorded.mql_recorded_at
        end as first_signal_at
    from leads
    left join mql_recorded
        on leads.lead_id = mql_recorded.lead_id
    where leads.crm_mql_at is not null
        or mql_recorded.mql_recorded_at is not null
),

final as (
    select
        lead_id,
        business_unit,
        crm_mql_at,
        agreed_mql_at,
        case
            when crm_mql_at is not null and agreed_mql_at is not null then 'both'
            when crm_mql_at is not null then 'crm_only'
            else 'agreed_only'
        end as drift_class,
        {{ month_start('first_signal_at') }} as signal_month,
        {{ days_between('agreed_mql_at', 'crm_mql_at') }} * 24 as hours_crm_minus_agreed
    from signals
)

select * from final
