"""Finding 6 of issue 21: one out-of-model value in the file (a bogus status, a bad date, bad JSON, a
5,000-character title), written with sqlite3 directly, crashed the console with a traceback that
printed record data; a bad date crashed it at start; the exports exited 2.

Each damage below is first shown to be one its model refuses (the unguarded read raised), then: the
Store's reads skip the row and note it (table, code, field, problem, never the data), writes to it
are refused and leave it as stored, `mediate doctor` lists it, and the exports finish without it,
naming it on standard error and exiting 1 (input refused, like doctor's "PROBLEMS FOUND").
The console's screens are tested in test_damaged_screens.py.
"""

from __future__ import annotations

import sqlite3

import pytest

from mediation_console.db.damage import ScanPacer
from mediation_console.db.models import RequisitionStatus
from mediation_console.db.store import DamagedRecord, QueueQuery, Store
from tests.reliability.damaged_rows import BY_NAME, DAMAGES, NOW, SECRET, damaged_copy, model_refuses
from tests.reliability.helpers import mediate


def _read_everything(store: Store, table: str) -> list[int]:
    """The ids that the Store's readers of `table` return (each reader a screen or export uses)."""
    if table == "requisitions":
        everything = QueueQuery(open_only=False)
        page = store.query_queue(everything, 0, 1000)
        exported = [req.id for req, _owner, _recruiter in store.iter_requisitions_for_export()]
        assert [r.id for r in store.iter_requisitions()] == exported
        assert sorted(row.id for row in page) == exported
        return exported
    if table == "disputes":
        return [d.saved_id for d in store.list_disputes()]
    if table == "expectations":
        return [e.saved_id for e in store.list_expectations()]
    if table == "commitments":
        return [c.saved_id for c in store.list_commitments()]
    if table == "standups":
        listed = [s.saved_id for s in store.list_standups()]
        latest = store.latest_standup()
        assert latest is not None and latest.id == listed[0]
        return listed
    if table == "standup_items":
        return [item.saved_id for s in store.list_standups() for item in s.items]
    if table == "people":
        return [p.saved_id for p in store.list_people()]
    if table == "pipeline_events":
        return [e.saved_id for r in store.iter_requisitions() for e in store.list_pipeline_events(r.saved_id)]
    raise AssertionError(table)


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d.name)
def test_a_damaged_row_is_skipped_and_named_by_every_read_never_raising(template, tmp_path, damage):
    path, (row_id,) = damaged_copy(template, tmp_path, damage)
    assert model_refuses(path, damage, row_id)  # the finding: read through its model, it raised
    with sqlite3.connect(path) as conn:
        stored = conn.execute(f"SELECT COUNT(*) FROM {damage.table}").fetchone()[0]
    conn.close()

    store = Store(path, now=lambda: NOW)
    try:
        ids = _read_everything(store, damage.table)
        assert row_id not in ids and len(ids) == stored - 1  # only the damaged row is left out
        (found,) = store.damage.rows()
        assert (found.table, found.row_id, found.field) == (damage.table, row_id, damage.field)
        if damage.table in ("requisitions", "disputes"):
            assert found.code and found.code in found.label
        text = str(found)
        assert SECRET not in text and "bogus" not in text and len(text) < 200, text
    finally:
        store.close()


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d.name)
def test_the_scan_finds_a_damaged_row_before_any_read_with_the_field_its_model_names(template, tmp_path, damage):
    """What the console's notice shows at start: db.damage.scan, read from the models' own fields."""
    path, (row_id,) = damaged_copy(template, tmp_path, damage)
    store = Store(path, now=lambda: NOW)
    try:
        assert len(store.damage) == 0
        assert store.scan_for_damage() == 1
        (found,) = store.damage.rows()
        assert (found.table, found.row_id, found.field) == (damage.table, row_id, damage.field)
        # The field and problem are those a read notes (the model has the last word).
        scanned = str(found)
        _read_everything(store, damage.table)
        assert str(store.damage.get(damage.table, row_id)) == scanned
        assert SECRET not in scanned and "bogus" not in scanned
    finally:
        store.close()


def test_the_scan_notes_nothing_a_model_accepts_and_drops_a_row_mended_meanwhile(template, tmp_path):
    path, _ = damaged_copy(template, tmp_path)
    # Values SQL alone suspects that the models take: a text whose surrounding blanks take it over its
    # limit (the model strips them), an empty JSON column (read as none).
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE requisitions SET title = title || ? WHERE id = 1", (" " * 300,))
        conn.execute("UPDATE standups SET attendees = '' WHERE id = (SELECT MIN(id) FROM standups)")
    conn.close()
    store = Store(path, now=lambda: NOW)
    try:
        assert store.scan_for_damage() == 0 and len(store.damage) == 0
        damage = BY_NAME["commitment text"]
        row_id = damage.apply(path)
        assert store.scan_for_damage() == 1 and store.damage.get("commitments", row_id) is not None
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE commitments SET text = 'Send the shortlist' WHERE id = ?", (row_id,))
        conn.close()
        assert store.scan_for_damage() == 0 and len(store.damage) == 0
    finally:
        store.close()


def test_a_change_to_a_damaged_record_is_refused_and_leaves_it_as_stored(template, tmp_path):
    damage = BY_NAME["requisition status"]
    path, (row_id,) = damaged_copy(template, tmp_path, damage)
    with Store(path, now=lambda: NOW) as store:
        assert store.get_requisition(row_id) is None
        with pytest.raises(DamagedRecord, match="is damaged .status: .*doctor") as refused:
            store.change_status(row_id, RequisitionStatus.ON_HOLD, reason="client paused")
        assert SECRET not in str(refused.value) and "bogus" not in str(refused.value)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT status FROM requisitions WHERE id = ?", (row_id,)).fetchone() == ("bogus",)
    conn.close()


def test_doctor_lists_every_damaged_row_without_its_data(template, tmp_path):
    path, ids = damaged_copy(template, tmp_path, *DAMAGES)
    result = mediate("doctor", "--db", str(path))
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out and SECRET not in out and "bogus" not in out, out
    problems = [line for line in result.stdout.splitlines() if line.startswith("problem: records:")]
    for damage, row_id in zip(DAMAGES, ids, strict=True):
        assert any(f"{damage.table} row {row_id}:" in line and f" {damage.field}:" in line for line in problems), (
            damage.name,
            problems,
        )


EXPORTS = [
    ("requisition status", ["export", "requisitions"]),
    ("requisition opened_at", ["export", "requisitions", "--format", "json"]),
    ("requisition promised_date", ["export", "requisitions"]),
    ("requisition title", ["export", "requisitions", "--format", "json"]),
    ("commitment due", ["export", "commitments"]),
    ("commitment text", ["export", "commitments", "--format", "ics"]),
    ("person name", ["export", "commitments"]),
    ("standup attendees", ["export", "notes"]),
    ("standup item title", ["export", "notes", "--format", "html"]),
]


@pytest.mark.parametrize(("name", "command"), EXPORTS, ids=[f"{n}-{' '.join(c[1:])}" for n, c in EXPORTS])
@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
def test_an_export_leaves_damaged_rows_out_names_them_and_exits_1(template, tmp_path, name, command, to_file):
    damage = BY_NAME[name]
    path, (row_id,) = damaged_copy(template, tmp_path, damage)
    target = tmp_path / "out.txt"
    result = mediate(*command, "--db", str(path), *(["-o", str(target)] if to_file else []))
    out = result.stdout + result.stderr
    # Before: "stopped on an unexpected problem (ValidationError)", exit 2, and no file.
    assert result.returncode == 1, out
    assert "Traceback" not in out and "unexpected" not in out and SECRET not in out and "bogus" not in out, out
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("mediate: left out")]
    label = f"{damage.table} row {row_id}" if damage.table not in ("requisitions", "disputes") else "-0"
    assert label in line and f"({damage.field})" in line and "mediate doctor" in line, line
    written = target.read_text(encoding="utf-8") if to_file else result.stdout
    assert written.strip()  # the export finished, with every other row
    assert SECRET not in written
    if damage.table == "requisitions":
        assert written.count("REQ-") == 59, written.count("REQ-")


def test_the_console_scans_one_at_a_time_and_on_a_tenth_of_a_core_at_most():
    """A big file's scan (~0.3 s at 10,000 requisitions, ~30 s at a million) is not rerun on every write
    another process makes (a CLI import beside the console commits every batch)."""
    now = [100.0]
    pacer = ScanPacer(share=0.1, clock=lambda: now[0])
    assert pacer.request()  # the scan at open
    assert not pacer.request() and not pacer.due()  # a write noticed while it runs: owed, not a second one
    now[0] += 2.0
    pacer.done(took=2.0)  # the next waits 9 x 2 s
    now[0] += 17.9
    assert not pacer.due() and not pacer.request()
    now[0] += 0.2
    assert pacer.due() and pacer.request()  # the owed scan, once
    pacer.done(took=0.01)
    now[0] += 1.0
    assert not pacer.due()  # nothing owed: no scan without a write
    assert pacer.request()  # the next write's scan starts at once after a quick one
