"""Account conflicts on the Salesforce fixture: free-mail domains and the default business unit.

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
  default_business_unit `unassigned` (no unit on the record nor on its owner), whose open opportunity
  006…2 is `unassigned` too. `unassigned` is no unit, so only Cloud is engaged: no row.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from datetime import datetime

import pytest

from conftest import FIXTURES, Warehouse
from revops.generator import vocab
from revops.settings import PROJECT_DIR

RAW = FIXTURES / "salesforce" / "raw"
AS_OF_VARS = {"crm_source": "salesforce", "as_of_date": "2026-10-03"}
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
def conflicts_build(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    warehouse = warehouse_factory("account_conflicts_review")
    export = warehouse.root / "export"
    shutil.copytree(RAW, export)
    with (export / "Lead.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write(LEADS)
    loaded = warehouse.load(export, "--source", "salesforce")
    assert loaded.returncode == 0, loaded.stderr
    # Seeds and models only: their data tests run on the fixture's own builds (test_salesforce_source.py).
    built = warehouse.dbt(
        "build",
        "--select",
        "+mart_account_conflicts",
        "--exclude-resource-type",
        "test",
        "unit_test",
        dbt_vars=AS_OF_VARS,
    )
    assert built.ok, built.output[-4000:]
    return warehouse


def test_a_free_mail_domain_is_no_company_key(conflicts_build: Warehouse) -> None:
    assert conflicts_build.query(
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


def test_the_default_business_unit_is_no_engaged_unit(conflicts_build: Warehouse) -> None:
    assert conflicts_build.query(
        "select business_unit, active_leads, open_opportunities, is_engaged "
        "from intermediate.int_account_business_units where company_key = 'beta.example.com' "
        "order by business_unit"
    ) == [("Cloud", 1, 0, True), ("unassigned", 1, 1, False)]


def test_account_conflicts_are_the_hand_computed_row(conflicts_build: Warehouse) -> None:
    """No gmail.com row (free mail) and no beta.example.com row (Cloud and `unassigned`)."""
    assert conflicts_build.query_dicts("select * from marts.mart_account_conflicts order by company_key") == [
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
