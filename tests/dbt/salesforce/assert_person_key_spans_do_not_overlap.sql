{{ config(enabled=var('crm_source', 'contract') == 'salesforce') }}
-- The spans of one record in stg_salesforce__crm_person_keys never overlap ([valid_from, valid_to),
-- a null end open), so a join on the record's Id and person_key_in_force finds at most one person
-- and the activities, memberships and contact roles joined that way are never doubled.
with

person_keys as (
    select * from {{ ref('stg_salesforce__crm_person_keys') }}
),

final as (
    select
        one_span.record_id15,
        one_span.person_id,
        other_span.person_id as overlapping_person_id
    from person_keys as one_span
    inner join person_keys as other_span
        on one_span.record_id15 = other_span.record_id15
            and one_span.person_id < other_span.person_id
    where (one_span.valid_from is null or other_span.valid_to is null or one_span.valid_from < other_span.valid_to)
        and (other_span.valid_from is null or one_span.valid_to is null or other_span.valid_from < one_span.valid_to)
)

select * from final
