-- macro salesforce_id18 on hand-computed Ids: 001A0000006Vm9r -> IAC (Salesforce's own example);
-- 00QdL00000AbCdE -> U (Q+L: 4+16), A (no capitals), V (A+C+E: 1+4+16). An 18-character Id and
-- null pass unchanged. Runs in every build, so every engine checks its SQL.
with

cases as (
    select
        '001A0000006Vm9r' as salesforce_id,
        '001A0000006Vm9rIAC' as expected
    union all
    select
        '00QdL00000AbCdE' as salesforce_id,
        '00QdL00000AbCdEUAV' as expected
    union all
    select
        '00QdL00000AbCdEUAV' as salesforce_id,
        '00QdL00000AbCdEUAV' as expected
    union all
    select
        cast(null as {{ dbt.type_string() }}) as salesforce_id,
        cast(null as {{ dbt.type_string() }}) as expected
),

final as (
    select
        salesforce_id,
        expected,
        {{ salesforce_id18('salesforce_id') }} as actual
    from cases
    where
        {{ salesforce_id18('salesforce_id') }} <> expected
        or ({{ salesforce_id18('salesforce_id') }} is null) <> (expected is null)
)

select * from final
