"""How the loader reads keys: Salesforce's 15- and 18-character Ids, white space around keys and
references, and how an upsert matches keyless rows whose optional reference was set to null.

Every input is hand-made; every expectation is exact (loaded rows, quarantine rows with line and
reason, the report's counts).
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from conftest import FIXTURES, Warehouse, counts
from revops.loader import load_dir
from revops.sources import salesforce
from revops.upsert import TableChanges, upsert_dir

GOOD = FIXTURES / "loader" / "good"
SALESFORCE_RAW = FIXTURES / "salesforce" / "raw"
UPSERT_BASE = FIXTURES / "nightly" / "upsert" / "base"
SALESFORCE_VARS = {"crm_source": "salesforce"}
STATUS_HEADER = "lead_id,changed_at,status,owner_id"
L1_ACCEPTED_BY_O9 = "L1,2026-04-02T10:00:00+09:00,accepted,O9"
L3_NURTURE = "L3,2026-04-03T12:00:00+09:00,nurture,"
O9_OWNER = "owner_id,name,team,business_unit\nO9,Kato,inside_sales,BU1\n"


def copied(source: Path, tmp_path: Path, name: str = "raw") -> Path:
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def quarantine(warehouse: Warehouse, schema: str = "raw") -> list[tuple]:
    return warehouse.query(
        f"SELECT table_name, source_file, line_number, reason FROM {schema}.quarantine ORDER BY ALL"
    )


def delta_dir(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    for file_name, text in files.items():
        (directory / file_name).write_text(text, encoding="utf-8")
    return directory


# --- A: a Salesforce record's 15- and 18-character Ids are one key ---------------------------------


def test_id18_appends_the_case_checksum_as_the_dbt_macro_does() -> None:
    """The cases of tests/dbt/sources/assert_salesforce_id18_appends_the_case_checksum.sql."""
    assert salesforce.id18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert salesforce.id18("00QdL00000AbCdE") == "00QdL00000AbCdEUAV"
    assert salesforce.id18("00QdL00000AbCdEUAV") == "00QdL00000AbCdEUAV"
    # Q (4) in the first chunk, none in the second, A+C+E (1+4+16) in the third
    assert salesforce.id18("00Q5g00000AbCdE") == "00Q5g00000AbCdEEAV"
    # a 15-character Id differing only in case is another record
    assert salesforce.id18("00q5g00000abcde") == "00q5g00000abcdeAAA"


def test_a_records_15_and_18_character_ids_are_one_key(warehouse: Warehouse, tmp_path: Path) -> None:
    """Lead.csv lines 6 and 7 are one record, written with its 18- and its 15-character Id. Before,
    both loaded (6 read, 6 loaded) and stg_salesforce__lead's unique test failed after the load had
    replaced the schema. Now the earlier line is a duplicate key like any other (kept: the last in
    the file; Lead has no updated_at), and the staging model's tests pass."""
    export = copied(SALESFORCE_RAW, tmp_path)
    lead = export / "Lead.csv"
    lines = lead.read_text(encoding="utf-8").splitlines()
    fourth = lines[4]
    assert fourth.startswith('"00Q000000000004EAA"')
    lines.append(fourth.replace("00Q000000000004EAA", "00Q5g00000AbCdEEAV"))
    lines.append(fourth.replace("00Q000000000004EAA", "00Q5g00000AbCdE").replace('"Delta"', '"Delta (15)"'))
    lead.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = load_dir(export, warehouse.path, source="salesforce")
    assert report.loaded, report.problems
    assert counts(report)["lead"] == (6, 5, 1)
    assert quarantine(warehouse, "salesforce") == [
        ("lead", "Lead.csv", 6, "id: duplicate primary key '00Q5g00000AbCdEEAV' (kept line 7, last in file)")
    ]
    assert warehouse.query("SELECT id, company FROM salesforce.lead WHERE id LIKE '00Q5g%'") == [
        ("00Q5g00000AbCdE", "Delta (15)")
    ]
    built = warehouse.dbt("build", "--select", "stg_salesforce__lead", dbt_vars=SALESFORCE_VARS)
    assert built.ok, built.output[-4000:]


# --- B: keys and references are trimmed; a blank key or required value is missing ----------------


def test_blank_and_padded_keys_are_missing_or_duplicate(warehouse: Warehouse, tmp_path: Path) -> None:
    """owners.csv: O1 (line 2), O2, a key of three spaces (line 4), `O1 ` (line 5). Before, all four
    loaded: a blank owner and a second O1."""
    raw = copied(GOOD, tmp_path)
    (raw / "owners.csv").write_text(
        "owner_id,name,team,business_unit\n"
        "O1,山田 太郎,inside_sales,BU1\n"
        "O2,佐藤 花子,field_sales,BU1\n"
        '"   ",Blank,inside_sales,BU1\n'
        "O1 ,Yamada (new),inside_sales,BU1\n",
        encoding="utf-8",
    )
    report = load_dir(raw, warehouse.path)
    assert report.loaded, report.problems
    assert counts(report)["owners"] == (4, 2, 2)
    assert quarantine(warehouse) == [
        ("owners", "owners.csv", 2, "owner_id: duplicate primary key 'O1' (kept line 5, last in file)"),
        ("owners", "owners.csv", 4, "owner_id: required value missing"),
    ]
    assert warehouse.query("SELECT owner_id, name, _line_number FROM raw.owners ORDER BY 1") == [
        ("O1", "Yamada (new)", 5),  # loaded trimmed
        ("O2", "佐藤 花子", 3),
    ]


def test_references_are_trimmed_like_the_key_they_name(warehouse: Warehouse, tmp_path: Path) -> None:
    """A reference padded with spaces, a tab or the ideographic space U+3000 names the same row as the
    key, so it resolves (no load note) and is loaded trimmed; a required value that is only white space
    is missing. Before, `L1　` and ` O2　` pointed nowhere: A1 was quarantined and OP1's owner set to null
    with a note; A3's blank activity type loaded."""
    raw = copied(GOOD, tmp_path)
    (raw / "lead_activities.csv").write_text(
        "activity_id,lead_id,activity_at,activity_type,campaign_id\n"
        "A1,L1\u3000,2026-03-31T16:45:00Z,form_submit,\tC1 \n"
        "A2,L2,2026-04-02T11:00:00+0900,webinar_attend,C2\n"
        "A3,L2,2026-04-03T09:00:00.123,\u3000 ,\n",
        encoding="utf-8",
    )
    opportunities = raw / "opportunities.csv"
    text = opportunities.read_text(encoding="utf-8")
    opportunities.write_text(text.replace("OP1,L1,BU1,O2,", "OP1,L1,BU1, O2\u3000,"), encoding="utf-8")
    report = load_dir(raw, warehouse.path)
    assert report.loaded, report.problems
    by_table = counts(report)
    assert by_table["lead_activities"] == (3, 2, 1)
    assert by_table["opportunities"] == (3, 3, 0)
    assert quarantine(warehouse) == [
        ("lead_activities", "lead_activities.csv", 4, "activity_type: required value missing"),
    ]
    assert warehouse.query(
        "SELECT activity_id, lead_id, campaign_id FROM raw.lead_activities ORDER BY 1"
    ) == [
        ("A1", "L1", "C1"),
        ("A2", "L2", "C2"),
    ]
    assert warehouse.query("SELECT owner_id FROM raw.opportunities WHERE opportunity_id = 'OP1'") == [("O2",)]
    assert warehouse.query("SELECT count(*) FROM raw.load_notes") == [(0,)]


def test_an_upserts_delete_key_is_trimmed_like_the_loaded_key(warehouse: Warehouse, tmp_path: Path) -> None:
    """A delete of `\u3000A4 ` removes A4. Before, it matched no loaded key and counted unchanged."""
    assert load_dir(UPSERT_BASE, warehouse.path).loaded
    delta = delta_dir(
        tmp_path,
        "delta",
        {
            "lead_activities.csv": "activity_id,lead_id,activity_at,activity_type,campaign_id,_deleted\n\u3000A4 ,,,,,true\n"
        },
    )
    report = upsert_dir(delta, warehouse.path)
    assert report.loaded, report.problems
    assert report.changes == {"lead_activities": TableChanges(deleted=1)}
    assert warehouse.query("SELECT activity_id FROM raw.lead_activities ORDER BY 1") == [
        ("A1",),
        ("A2",),
        ("A5",),
        ("A6",),
    ]


# --- C: a keyless row whose optional reference was set to null ---------------------------------------


def base_with_unknown_owner(warehouse: Warehouse, tmp_path: Path) -> None:
    """The upsert base, with L1's status change by O9, who is not in owners: loaded with owner_id null
    and a load note."""
    base = copied(UPSERT_BASE, tmp_path, "base")
    (base / "lead_status_changes.csv").write_text(
        f"{STATUS_HEADER}\n{L1_ACCEPTED_BY_O9}\n{L3_NURTURE}\n", encoding="utf-8"
    )
    report = load_dir(base, warehouse.path)
    assert report.loaded, report.problems
    assert warehouse.query("SELECT source_file, line_number, column_name, value FROM raw.load_notes") == [
        ("lead_status_changes.csv", 2, "owner_id", "O9")
    ]


def status_changes(warehouse: Warehouse) -> list[tuple]:
    return warehouse.query(
        "SELECT lead_id, changed_at, owner_id, _source_file, _line_number FROM raw.lead_status_changes ORDER BY ALL"
    )


def test_a_keyless_delete_matches_the_row_whose_reference_was_set_to_null(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Re-sending the row unchanged is unchanged; sending it with `_deleted` true deletes it, also after
    O9 was loaded in between. Before, the delete (owner O9) never equalled the loaded row (owner null):
    counted unchanged, the row stayed."""
    base_with_unknown_owner(warehouse, tmp_path)
    again = delta_dir(
        tmp_path, "again", {"lead_status_changes.csv": f"{STATUS_HEADER}\n{L1_ACCEPTED_BY_O9}\n"}
    )
    report = upsert_dir(again, warehouse.path)
    assert report.changes == {"lead_status_changes": TableChanges(unchanged=1)}
    owner = delta_dir(tmp_path, "owner", {"owners.csv": O9_OWNER})
    assert upsert_dir(owner, warehouse.path).changes == {"owners": TableChanges(inserted=1)}

    delete = delta_dir(
        tmp_path,
        "delete",
        {"lead_status_changes.csv": f"{STATUS_HEADER},_deleted\n{L1_ACCEPTED_BY_O9},true\n"},
    )
    report = upsert_dir(delete, warehouse.path)
    assert report.loaded, report.problems
    assert report.changes == {"lead_status_changes": TableChanges(deleted=1)}
    assert counts(report) == {"lead_status_changes": (1, 1, 0)}
    assert status_changes(warehouse) == [("L3", datetime(2026, 4, 3, 12), None, "lead_status_changes.csv", 3)]
    assert warehouse.query("SELECT lead_id, source_dir FROM raw.load_changed_leads WHERE lead_id = 'L1'") == [
        ("L1", "delete")
    ]


def test_a_keyless_resend_that_now_resolves_replaces_the_row(warehouse: Warehouse, tmp_path: Path) -> None:
    """The delta adds O9 to owners and re-sends L1's status change: it replaces the loaded row (owner
    null) rather than being inserted beside it; sent again, it is unchanged. Before, raw held both."""
    base_with_unknown_owner(warehouse, tmp_path)
    delta = delta_dir(
        tmp_path,
        "delta",
        {"owners.csv": O9_OWNER, "lead_status_changes.csv": f"{STATUS_HEADER}\n{L1_ACCEPTED_BY_O9}\n"},
    )
    report = upsert_dir(delta, warehouse.path)
    assert report.loaded, report.problems
    assert report.changes == {
        "owners": TableChanges(inserted=1),
        "lead_status_changes": TableChanges(replaced=1),
    }
    assert counts(report) == {"owners": (1, 1, 0), "lead_status_changes": (1, 1, 0)}
    assert status_changes(warehouse) == [
        ("L1", datetime(2026, 4, 2, 10), "O9", "delta/lead_status_changes.csv", 2),
        ("L3", datetime(2026, 4, 3, 12), None, "lead_status_changes.csv", 3),
    ]
    assert quarantine(warehouse) == []

    again = upsert_dir(delta, warehouse.path)
    assert again.changes == {
        "owners": TableChanges(unchanged=1),
        "lead_status_changes": TableChanges(unchanged=1),
    }
    assert len(status_changes(warehouse)) == 2


# --- a row deleted twice in one delta -----------------------------------------------------------------


def test_a_row_deleted_twice_in_one_delta_counts_one_delete(warehouse: Warehouse, tmp_path: Path) -> None:
    """Two delete rows for A1, and two for L3's status change: one row goes each, so one delete and
    one unchanged. Before, both counted deleted. Two deletes of L4 (still referenced by A5) are
    both refused."""
    assert load_dir(UPSERT_BASE, warehouse.path).loaded
    delta = delta_dir(
        tmp_path,
        "delta",
        {
            "lead_activities.csv": "activity_id,lead_id,activity_at,activity_type,campaign_id,_deleted\n"
            "A1,,,,,true\nA1,,,,,yes\n",
            "lead_status_changes.csv": f"{STATUS_HEADER},_deleted\n{L3_NURTURE},true\n{L3_NURTURE},true\n",
            "leads.csv": "lead_id,created_at,business_unit,_deleted\nL4,,,true\nL4,,,true\n",
        },
    )
    report = upsert_dir(delta, warehouse.path)
    assert report.loaded, report.problems
    assert report.changes == {
        "leads": TableChanges(quarantined=2),
        "lead_activities": TableChanges(deleted=1, unchanged=1),
        "lead_status_changes": TableChanges(deleted=1, unchanged=1),
    }
    assert counts(report) == {
        "leads": (2, 0, 2),
        "lead_activities": (2, 2, 0),
        "lead_status_changes": (2, 2, 0),
    }
    refused = "lead_id: cannot delete, still referenced by lead_activities.lead_id (delete those rows first, in the same delta)"
    assert quarantine(warehouse) == [
        ("leads", "delta/leads.csv", 2, refused),
        ("leads", "delta/leads.csv", 3, refused),
    ]
    assert warehouse.query("SELECT activity_id FROM raw.lead_activities ORDER BY 1") == [
        ("A2",),
        ("A4",),
        ("A5",),
        ("A6",),
    ]
    assert warehouse.query("SELECT lead_id FROM raw.lead_status_changes") == [("L1",)]


def test_a_delta_naming_the_delete_flag_twice_is_refused(warehouse: Warehouse, tmp_path: Path) -> None:
    """Extra columns may repeat (rawio), but `_deleted` decides what happens to a row: named twice, which
    one holds the flag? The upsert stops and names the file; nothing is deleted."""
    base_with_unknown_owner(warehouse, tmp_path)
    before = status_changes(warehouse)
    delta = delta_dir(
        tmp_path,
        "twice",
        {"lead_status_changes.csv": f"{STATUS_HEADER},_deleted,_deleted\n{L1_ACCEPTED_BY_O9},true,false\n"},
    )
    report = upsert_dir(delta, warehouse.path)
    assert not report.loaded
    assert [(problem.message, problem.path.name) for problem in report.problems] == [
        ("column '_deleted' appears more than once in the header", "lead_status_changes.csv")
    ]
    assert status_changes(warehouse) == before


# --- a keyless row deleted and upserted in one file ---------------------------------------------------


def test_a_keyless_row_deleted_and_upserted_in_one_file_is_a_conflict(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """As for a keyed row (lead L8 in test_incremental): the delete is quarantined, nothing done, and
    the upsert applies. L3's loaded status change is re-sent and deleted (line 3): it stays, unchanged.
    L2's new status change is sent and deleted (line 5): it is inserted. Before, L3's row was deleted
    (the re-send counted unchanged, the delete deleted) and L2's inserted: the same two lines gave
    opposite results depending on whether the row was loaded already."""
    assert load_dir(UPSERT_BASE, warehouse.path).loaded
    new_row = "L2,2026-04-04T09:00:00+09:00,accepted,O1"
    delta = delta_dir(
        tmp_path,
        "delta",
        {
            "lead_status_changes.csv": f"{STATUS_HEADER},_deleted\n"
            f"{L3_NURTURE},false\n{L3_NURTURE},true\n{new_row},\n{new_row},true\n"
        },
    )
    report = upsert_dir(delta, warehouse.path)
    assert report.loaded, report.problems
    assert report.changes == {"lead_status_changes": TableChanges(inserted=1, unchanged=1, quarantined=2)}
    assert counts(report) == {"lead_status_changes": (4, 2, 2)}
    conflict = "_deleted: the same row is upserted in the same file (nothing done)"
    assert quarantine(warehouse) == [
        ("lead_status_changes", "delta/lead_status_changes.csv", 3, conflict),
        ("lead_status_changes", "delta/lead_status_changes.csv", 5, conflict),
    ]
    assert warehouse.query("SELECT lead_id, status FROM raw.lead_status_changes ORDER BY ALL") == [
        ("L1", "accepted"),
        ("L2", "accepted"),
        ("L3", "nurture"),
    ]
