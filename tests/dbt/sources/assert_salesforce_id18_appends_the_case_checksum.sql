-- macro salesforce_id18 on hand-computed Ids. A 15-character Id keeps its case and gets its case
-- checksum appended: 001A0000006Vm9r -> IAC (Salesforce's own example); 00QdL00000AbCdE -> U (Q+L:
-- 4+16), A (no capitals), V (A+C+E: 1+4+16); 00q5g00000abcde (another record) -> AAA.
-- An 18-character Id is case-insensitive and read in its canonical case, rebuilt from its suffix
-- (upper-cased): UAV says Q and L (chunk 1), none (chunk 2), A, C and E (chunk 3) are capitals, so
-- the record's own, all-lower and all-upper spellings are one Id; AAC says only the B of xB001.
-- An 18-character value whose suffix is no checksum (999) and null pass unchanged.
-- Runs in every build, so every engine checks its SQL.
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
        '00q5g00000abcde' as salesforce_id,
        '00q5g00000abcdeAAA' as expected
    union all
    select
        '00QdL00000AbCdEUAV' as salesforce_id,
        '00QdL00000AbCdEUAV' as expected
    union all
    select
        '00qdl00000abcdeuav' as salesforce_id,
        '00QdL00000AbCdEUAV' as expected
    union all
    select
        '00QDL00000ABCDEUAV' as salesforce_id,
        '00QdL00000AbCdEUAV' as expected
    union all
    select
        '0065G00000Xb001aAc' as salesforce_id,
        '0065g00000xB001AAC' as expected
    union all
    select
        'ABCDEFGHIJKLMNO999' as salesforce_id,
        'ABCDEFGHIJKLMNO999' as expected
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
