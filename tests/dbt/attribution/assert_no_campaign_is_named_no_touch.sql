-- `no_touch` is the campaign_id attribution gives a lead x stage without a
-- touch; a real campaign with that id would be merged with it.
with

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

final as (
    select campaign_id
    from campaigns
    where campaign_id = '{{ no_touch_campaign_id() }}'
)

select * from final
