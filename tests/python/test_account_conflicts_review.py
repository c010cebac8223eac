"""Account conflicts and activity types on the Salesforce fixture: free-mail domains, the default
business unit, and the Task types the scoring rules know (one load and one build for all of them).

tests/fixtures/salesforce/raw plus three Website-less or new leads written below, loaded with
`scripts/load.py --source salesforce` and built (`+mart_account_conflicts`) as of 2026-10-03
00:00 (conflict window from 2026-04-06 00:00). Expected values are worked out by hand
(docs/attribution.md, account conflicts):

- 00Q…5 山田商事 (Cloud) and 00Q…6 鈴木工業 (Data) have no Website and a gmail.com e-mail. gmail.com is in
  seed free_mail_domains, so it is no company key: 00Q…5's name 山田商事 belongs to exactly one domain,
  yamada-shoji.co.jp (00Q…7 株式会社山田商事, Data, with that Website), and joins it; 鈴木工業 belongs to no
  domain and stays name-keyed, alone. So yamada-shoji.co.jp is chased by Cloud and Data (one active lead
  each, created 09-25 10:00 and 09-27 10:00 JST, no status changes, so no owners), and there is no
  gmail.com row.
- beta.example.com: the lead 00Q…2 (Cloud, by its owner) and the contact 003…2 of var
  default_business_unit `unassigned` (no unit on the record nor on its owner). The open opportunity
  006…2 has no unit field and its owner none: it takes its person's, L2's Cloud (its contact role's
  contact 003…2 is L2 from L2's creation on). `unassigned` is no unit, so only Cloud is engaged: no row.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Callable
from datetime import datetime

import pytest

from conftest import FIXTURES, Warehouse
from revops.generator import vocab
from revops.settings import PROJECT_DIR

RAW = FIXTURES / "salesforce" / "raw"
AS_OF_VARS = {"crm_source": "salesforce", "as_of_date": "2026-10-03"}
TASK_TYPES = {
    "101": ("Email", "email_sent"),
    "102": ("メール", "email_sent"),
    "103": ("Other", "other_activity"),
    "104": ("その他", "other_activity"),
    "105": ("", "other_activity"),
    "106": ("meeting", "meeting"),
    "107": ("email_sent", "email_sent"),
    "108": ("referral_intro", "referral_intro"),
    "109": ("other_activity", "other_activity"),
    "110": ("ウェビナー視聴", "other_activity"),
}
"""Tasks on lead 00Q…4 (Data, delta.co.jp, the only person of its company: no conflict either way), by
Type as exported and the activity type each becomes."""
TASKS = "".join(
    f'"00T000000000{number}EAA","false","00Q000000000004EAA","","{task_type}","","005000000000001AAA",'
    f'"2026-09-30T01:00:00.000Z"\n'
    for number, (task_type, _) in TASK_TYPES.items()
)
MEMBER = (
    '"00v000000000101AAA","false","701000000000002AAA","00Q000000000004EAA","","Liked","true",'
    '"2026-09-30","2026-09-30T02:00:00.000Z"\n'
)
LEADS = (
    '"00Q000000000005EAA","false","2026-09-25T01:00:00.000Z","山田商事","","yamada@gmail.com",'
    '"Open - Not Contacted","005000000000002AAA","false","","","","","Cloud","","2026-09-25T01:00:00.000Z"\n'
    '"00Q000000000006EAA","false","2026-09-26T01:00:00.000Z","鈴木工業","","suzuki@gmail.com",'
    '"Open - Not Contacted","005000000000001AAA","false","","","","","Data","","2026-09-26T01:00:00.000Z"\n'
    '"00Q000000000007EAA","false","2026-09-27T01:00:00.000Z","株式会社山田商事","https://yamada-shoji.co.jp/",'
    '"info@yamada-shoji.co.jp","Open - Not Contacted","005000000000001AAA","false","","","","","Data","",'
    '"2026-09-27T01:00:00.000Z"\n'
)


@pytest.fixture(scope="module")
def conflicts_build(warehouse_factory: Callable[[str], Warehouse]) -> tuple[Warehouse, str]:
    warehouse = warehouse_factory("account_conflicts_review")
    export = warehouse.root / "export"
    shutil.copytree(RAW, export)
    for name, rows in (("Lead.csv", LEADS), ("Task.csv", TASKS), ("CampaignMember.csv", MEMBER)):
        with (export / name).open("a", encoding="utf-8", newline="") as handle:
            handle.write(rows)
    loaded = warehouse.load(export, "--source", "salesforce")
    assert loaded.returncode == 0, loaded.stderr
    # The models these tests read and the three tests they judge, no other test: the data tests on these
    # models run on the fixture's own builds (test_salesforce_source.py).
    built = warehouse.dbt(
        "build",
        "--select",
        "+mart_account_conflicts",
        "+int_activities_scored",
        "+salesforce_unmapped_task_types",
        "+salesforce_unmapped_campaign_member_statuses",
        "unknown_activity_types_score_zero",
        "--indirect-selection",
        "empty",
        "--exclude-resource-type",
        "unit_test",
        dbt_vars=AS_OF_VARS,
    )
    assert built.ok, built.output[-4000:]
    return warehouse, built.output


def test_a_free_mail_domain_is_no_company_key(conflicts_build: tuple[Warehouse, str]) -> None:
    warehouse, _output = conflicts_build
    assert warehouse.query(
        "select lead_id, business_unit, domain_key, name_key, company_key, matched_by "
        "from intermediate.int_account_lead_companies where lead_id like '00Q%' order by lead_id"
    ) == [
        ("00Q000000000001EAA", "Cloud", "acme.co.jp", "acme", "acme.co.jp", "domain"),
        ("00Q000000000002EAA", "Cloud", "beta.example.com", "ベータ", "beta.example.com", "domain"),
        ("00Q000000000004EAA", "Data", "delta.co.jp", "delta", "delta.co.jp", "domain"),
        ("00Q000000000005EAA", "Cloud", None, "山田商事", "yamada-shoji.co.jp", "name_to_domain"),
        ("00Q000000000006EAA", "Data", None, "鈴木工業", "鈴木工業", "name"),
        ("00Q000000000007EAA", "Data", "yamada-shoji.co.jp", "山田商事", "yamada-shoji.co.jp", "domain"),
    ]


def test_the_default_business_unit_is_no_engaged_unit(conflicts_build: tuple[Warehouse, str]) -> None:
    warehouse, _output = conflicts_build
    assert warehouse.query(
        "select business_unit, active_leads, open_opportunities, is_engaged "
        "from intermediate.int_account_business_units where company_key = 'beta.example.com' "
        "order by business_unit"
    ) == [("Cloud", 1, 1, True), ("unassigned", 1, 0, False)]


def test_account_conflicts_are_the_hand_computed_row(conflicts_build: tuple[Warehouse, str]) -> None:
    """No gmail.com row (free mail) and no beta.example.com row (Cloud and `unassigned`)."""
    warehouse, _output = conflicts_build
    assert warehouse.query_dicts("select * from marts.mart_account_conflicts order by company_key") == [
        {
            "company_key": "yamada-shoji.co.jp",
            "company_key_type": "domain",
            "company_name": "山田商事",
            "business_unit_count": 2,
            "business_units": "Cloud, Data",
            "leads_by_unit": "Cloud: 1, Data: 1",
            "open_opportunities_by_unit": "Cloud: 0, Data: 0",
            "owners_by_unit": None,
            "active_leads": 2,
            "open_opportunities": 0,
            "first_activity_at": datetime(2026, 9, 25, 10),
            "last_activity_at": datetime(2026, 9, 27, 10),
            "won_business_units": None,
            "has_won_deal_in_other_unit": False,
        }
    ]


def test_the_seed_lists_every_free_mail_domain_the_generator_writes() -> None:
    """The demo generator writes 8% of e-mails at vocab.FREE_MAIL; each must be in the seed, or the
    generated Salesforce world merges their Website-less leads into one company again."""
    with (PROJECT_DIR / "seeds" / "sources" / "free_mail_domains.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        domains = {row["domain"] for row in csv.DictReader(handle)}
    assert set(vocab.FREE_MAIL) <= domains, set(vocab.FREE_MAIL) - domains


def test_task_types_map_to_activity_types_the_scoring_rules_know(
    conflicts_build: tuple[Warehouse, str],
) -> None:
    """Task Types become the project's activity types, each one seed mql_scoring_rules lists (all 0
    points here), so no activity is an unknown type to unknown_activity_types_score_zero: Email and
    メール are email_sent, Other, その他, no Type and an unmapped Type are other_activity, and the project's
    own meeting, email_sent, referral_intro and other_activity map to themselves. Only the Type the seed
    does not map, ウェビナー視聴, is listed, by salesforce_unmapped_task_types (one row). A responded
    CampaignMember whose Status the seed does not map (Liked) is other_activity too, listed by
    salesforce_unmapped_campaign_member_statuses. Before, Email was `email` and Other, no Type and every
    unmapped Type or Status `other`, neither a scored type: the unknown-type test warned on all eleven,
    and the task-type test listed the project's own four types too."""
    warehouse, output = conflicts_build
    assert warehouse.query(
        "select activity_id, activity_type, is_known_type, cast(points as integer), is_hand_raise "
        "from intermediate.int_activities_scored "
        "where activity_id like '00T0000000001%' or activity_id like '00v0000000001%' order by activity_id"
    ) == [
        *(
            (f"00T000000000{number}EAA", activity_type, True, 0, False)
            for number, (_, activity_type) in TASK_TYPES.items()
        ),
        ("00v000000000101AAA", "other_activity", True, 0, False),
    ]
    assert re.search(r"WARN 1 salesforce_unmapped_task_types", output), output[-4000:]
    assert re.search(r"WARN 1 salesforce_unmapped_campaign_member_statuses", output), output[-4000:]
    assert re.search(r"PASS unknown_activity_types_score_zero", output), output[-4000:]
