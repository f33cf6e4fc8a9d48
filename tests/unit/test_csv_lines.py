"""The export's lines SQLite writes (db/csv_lines.py) are byte for byte what the model path writes.

Every awkward value another tool could leave in a column (a space to strip, a formula, a comma, a
newline or a CR LF, an accent, a control, a blob, a real in an integer column, a date in another form
or not on the calendar, a float with 17 digits, a negative zero, a bound crossed) goes, one per row,
into a database beside ordinary rows; the export with the fast path and the export with every row
read through the model must be the same text, leave out the same damaged rows, and the fast path
must have written the ordinary rows itself.
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from mediation_console.db import csv_export, csv_lines
from mediation_console.db.models import Engagement, Person, Requisition, RequisitionStatus, Team
from mediation_console.db.store import Store

NOW = dt.datetime(2025, 4, 10, 9, 0)

TEXTS: list[Any] = [
    " leading space",
    "trailing space ",
    "trailing newline\n",
    "\nleading newline",
    "=SUM(A1:A2)",
    "'=already quoted",
    "'",
    "''",
    "-5 declined",
    "+Globex",
    "@home",
    "Austin, TX",
    'a "quoted" word',
    "two\nlines",
    "crlf\r\ninside",
    "lone\rcr",
    "tab\there",
    "Zoë Café",
    "\xa0nbsp edges\xa0",
    "bidi \u202etxt.exe",
    "escape \x1b[31m",
    "del \x7f",
    "",
    "   ",
    "x",
    "A" * 200,
    "A" * 201,
    # A NUL: SQLite's printf and length() stop at it, the model keeps and shows it (found in review).
    "abc\x00def",
    "\x00",
    "a\x00,b",
    "ok\x00\x1b[31m",
    "A" * 199 + "\x00" + "A" * 10,
    b"a blob",
    123,
    "12 ",
]
NUMBERS: list[Any] = [5.5, 5.0, "abc", "12", -1, 0, 2, 10_000_001, b"\x01", 1e300]
FLOATS: list[Any] = [
    # Subnormals (15 digits where Python writes fewer) and numbers SQLite 3.40 reads back from their
    # 15-digit text as a neighbour (found in review).
    5e-324,
    1e-310,
    77.26759828120299,
    5422.8246984548005,
    6.5210383349903704,
    0.6992899952892631,
    -2.5,
    1e15,
    1e16,
    123456789012345.6,
    0.1 + 0.2,
    1e-05,
    1.5e-05,
    -0.0,
    0.0,
    20.0,
    23.3,
    99.99,
    100.0,
    100.5,
    "abc",
    12.345678901234567,
    1 / 3,
]
DATES: list[Any] = [
    "2025-02-30",
    "2025-03-01T09:00:00",
    "2025-03-01 09:00",
    "2025-03-01 09:00:00.123",
    "2025-03-01 24:00:00",
    "0000-01-01 00:00:00",
    "0001-01-01 00:00:00",
    "2025-3-1",
    " 2025-03-01",
    "2025-03-01",
    "2025-03-01 09:00:00",
    20250301,
    b"2025-03-01",
]
FIELD_VALUES: dict[str, list[Any]] = {
    "title": TEXTS,
    "client": TEXTS,
    "location": TEXTS,
    "status_reason": TEXTS,
    "notes": TEXTS,
    "external_id": [*TEXTS, "A" * 121],
    "code": TEXTS,
    "grade": TEXTS,
    "openings": NUMBERS,
    "salary_min": [*NUMBERS, 200_000],  # above the max: the model refuses the row
    "market_salary": NUMBERS,
    "score": NUMBERS,
    "remote": [2, -1, 0.5, 1.0, "yes", "1", None, b"\x01"],
    "jd_clear": [2, 0.5, "no"],
    "fee_pct": FLOATS,
    "feedback_turnaround_hours": FLOATS,
    "status": ["FILLED", " filled", "unknown", "", 3],
    "engagement": ["Retained", "retained ", "x"],
    "opened_at": DATES,
    "closed_at": [*DATES, None],
    "promised_date": DATES,
    "intake_at": DATES,
    "updated_at": DATES,
    "last_submittal_at": DATES,
    "submittals": NUMBERS,
}
NAMES = ["Ann\x00=cmd", "=Boss", "Zoë Owner", "O'Brien, Jr.", 'Sam "The Man"', " Padded ", "Tab\tName", "New\nLine"]


def _plain_row(store: Store, owner: int, recruiter: int) -> int:
    req = store.add_requisition(
        Requisition(
            external_id="BASE-1",
            title="Senior Controller",
            client="Initech",
            sales_owner_id=owner,
            recruiter_id=recruiter,
            openings=2,
            status=RequisitionStatus.FILLED,
            engagement=Engagement.EXCLUSIVE,
            fee_pct=22.5,
            salary_min=95_000,
            salary_max=110_000,
            market_salary=120_000,
            location="Austin, TX",
            remote=True,
            promised_date=dt.date(2025, 6, 1),
            intake_at=dt.datetime(2025, 3, 2, 10, 30),
            interview_stages=3,
            must_haves=3,
            feedback_turnaround_hours=36.5,
            opened_at=dt.datetime(2025, 3, 1, 8, 15),
            closed_at=dt.datetime(2025, 3, 30, 8, 15),
            notes='Client said:\n- start "ASAP", no relocation',
        )
    )
    assert req.id is not None
    return req.id


@pytest.fixture(scope="module")
def awkward_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lines") / "awkward.db"
    with Store(path, now=lambda: NOW) as store:
        sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        rita = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
        assert sam.id is not None and rita.id is not None
        base = _plain_row(store, sam.id, rita.id)
        store.set_derived([(82, "A", 30, base)])
    # Rows as another tool would write them: raw SQL, foreign keys off (the sqlite3 shell's default).
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM requisitions WHERE id = ?", (base,)).fetchone())
    columns = list(row)
    next_id = base

    def insert(**changes: Any) -> None:
        nonlocal next_id
        next_id += 1
        values = {**row, "id": next_id, "code": f"REQ-{next_id:04d}", "external_id": None, **changes}
        try:
            conn.execute(
                f"INSERT INTO requisitions ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [values[c] for c in columns],
            )
        except sqlite3.IntegrityError:
            next_id -= 1  # a value the schema itself refuses (NOT NULL, UNIQUE): no tool can store it

    for n in range(40):  # ordinary rows, the fast path's own
        insert(title=f"Analyst {n}", client=f"Client {n % 7}", fee_pct=15 + n % 10, feedback_turnaround_hours=n / 10)
    for field, values in FIELD_VALUES.items():
        for value in values:
            insert(**{field: value})
    for name in NAMES:
        person = conn.execute("INSERT INTO people (name, team) VALUES (?, 'recruiting')", (name,)).lastrowid
        insert(recruiter_id=person)
        owner = conn.execute("INSERT INTO people (name, team) VALUES (?, 'sales')", (name + " (sales)",)).lastrowid
        insert(sales_owner_id=owner)
    insert(recruiter_id=None)
    conn.commit()
    conn.close()
    return path


def export(path: Path) -> tuple[str, list[str]]:
    with Store(path) as store:
        out = io.StringIO(newline="")
        csv_export.write_requisitions(store, out)
        return out.getvalue(), sorted(str(damaged) for damaged in store.damage.rows())


def test_the_lines_sqlite_writes_are_what_the_model_path_writes(awkward_db, monkeypatch):
    written_by_sqlite = []
    checked = csv_lines.checked

    def counted(lines: list[str], numbers: list[tuple[Any, ...]]) -> list[bool]:
        passed = checked(lines, numbers)
        written_by_sqlite.extend(line for line, ok in zip(lines, passed, strict=True) if ok)
        return passed

    monkeypatch.setattr(csv_lines, "checked", counted)
    fast, fast_damaged = export(awkward_db)
    monkeypatch.setattr(csv_lines, "csv_line_sql", lambda *_args: None)
    slow, slow_damaged = export(awkward_db)
    assert fast_damaged == slow_damaged and fast_damaged  # the same rows left out, and some are
    fast_lines, slow_lines = fast.split("\r\n"), slow.split("\r\n")
    assert len(fast_lines) == len(slow_lines)
    assert [line for line in fast_lines if line not in slow_lines] == []
    assert fast == slow
    # The fast path did the ordinary rows itself, and left every awkward one to the model.
    assert len(written_by_sqlite) >= 41
    assert len(written_by_sqlite) < len(fast_lines) - 100


def test_a_validator_the_fast_path_does_not_know_turns_it_off(monkeypatch):
    fields = csv_export._FIELDS
    with Store(":memory:") as store:
        columns = store.column_types("requisitions")
    names = {"sales_owner": ("s.name", "TEXT"), "recruiter": ("rc.name", "TEXT")}
    assert csv_lines.csv_line_sql(fields, columns, names) is not None
    monkeypatch.setattr(csv_lines, "KNOWN_FIELD_VALIDATORS", csv_lines.KNOWN_FIELD_VALIDATORS - {"_required"})
    assert csv_lines.csv_line_sql(fields, columns, names) is None
    monkeypatch.undo()
    assert csv_lines.csv_line_sql(fields, {k: v for k, v in columns.items() if k != "notes"}, names) is None


def test_random_fees_and_hours_are_written_as_the_model_path_writes_them(tmp_path, monkeypatch):
    """Floats as a lead's data holds them (a decimal or two) and as arithmetic leaves them (17 digits):
    each row's line is the model path's."""
    import random

    path = tmp_path / "floats.db"
    with Store(path, now=lambda: NOW) as store:
        sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        assert sam.id is not None
        base = _plain_row(store, sam.id, sam.id)
    conn = sqlite3.connect(path)
    rng = random.Random(15)
    values = [(rng.uniform(0, 100), rng.uniform(0, 10_000)) for _ in range(800)] + [
        (round(rng.uniform(0, 100), rng.choice((0, 1, 2))), round(rng.uniform(0, 500), 1)) for _ in range(800)
    ]
    columns = [row[1] for row in conn.execute("PRAGMA table_info(requisitions)")]
    picked = ", ".join(
        c for c in columns if c not in ("id", "code", "external_id", "fee_pct", "feedback_turnaround_hours")
    )
    for n, (fee, hours) in enumerate(values):
        conn.execute(
            f"INSERT INTO requisitions (id, code, fee_pct, feedback_turnaround_hours, {picked}) "
            f"SELECT ?, ?, ?, ?, {picked} FROM requisitions WHERE id = ?",
            (base + 1 + n, f"REQ-{base + 1 + n:04d}", fee, hours, base),
        )
    conn.commit()
    conn.close()
    fast, fast_damaged = export(path)
    monkeypatch.setattr(csv_lines, "csv_line_sql", lambda *_args: None)
    slow, slow_damaged = export(path)
    assert fast_damaged == slow_damaged == []
    assert [line for line in fast.split("\r\n") if line not in slow.split("\r\n")] == []
    assert fast == slow
