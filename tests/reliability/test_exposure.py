"""Nothing leaks: the file, its backups and every export are the owner's alone; exports cannot run
anything in a spreadsheet or a browser; a rule pack cannot run code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings

from mediation_console.db.models import Attendee, Commitment, Person, Requisition, Standup, StandupItem, Team
from mediation_console.db.store import Store
from tests.reliability.conftest import NOW
from tests.reliability.helpers import assert_clean_failure, mediate, soak
from tests.reliability.hostile_text import hostile_line


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(os.stat(path).st_mode))


def test_a_new_database_and_its_journal_files_are_readable_by_the_owner_only(tmp_path):
    os.umask(0o022)  # a typical, permissive umask: the console must not rely on it
    db = tmp_path / "team.db"
    with Store(db, now=lambda: NOW) as store:
        store.add_person(Person(name="Sam Seller", team=Team.SALES))
        for suffix in ("", "-wal", "-shm"):
            assert mode(Path(f"{db}{suffix}")) == "0o600", suffix


def test_backups_are_readable_by_the_owner_only(real_db, tmp_path):
    os.umask(0o022)
    result = mediate("backup", "--db", str(real_db), str(tmp_path / "copy.db"))
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "copy.db") == "0o600"
    dated = mediate("backup", "--db", str(real_db))
    written = Path(dated.stdout.splitlines()[0].removeprefix("Backup written to "))
    assert mode(written) == "0o600"


def test_doctor_warns_when_others_can_read_the_database(real_db):
    real_db.chmod(0o644)
    result = mediate("doctor", "--db", str(real_db))
    assert "readable by other users" in result.stdout and "chmod 600" in result.stdout
    real_db.chmod(0o600)
    assert "readable by other users" not in mediate("doctor", "--db", str(real_db)).stdout


def test_requisition_exports_are_readable_by_the_owner_only(real_db, tmp_path):
    os.umask(0o022)
    for name in ("queue.csv", "queue.json"):
        result = mediate("export", "requisitions", "--db", str(real_db), "-o", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
        assert mode(tmp_path / name) == "0o600"


def test_meeting_notes_files_are_readable_by_the_owner_only_even_when_overwriting(tmp_path):
    notes = pytest.importorskip("mediation_console.console.core.notes")
    os.umask(0o022)
    existing = tmp_path / "notes.md"
    existing.write_text("old")
    existing.chmod(0o644)
    notes.write_private(existing, "# Standup", force=True)
    assert mode(existing) == "0o600"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def test_csv_export_neutralises_every_formula_a_spreadsheet_would_run(tmp_path):
    csv_export = pytest.importorskip("mediation_console.db.csv_export")
    store = Store(tmp_path / "team.db", now=lambda: NOW)
    sales = store.add_person(Person(name="=cmd|' /C calc'!A0", team=Team.SALES))

    @settings(max_examples=soak(40, 1000), deadline=None, derandomize=True, database=None)
    @given(title=hostile_line, client=hostile_line, notes=hostile_line)
    def export_is_inert(title, client, notes):
        try:
            req = Requisition(
                title=title[:200] or "-1+1",
                client=client[:200] or "@SUM(A1)",
                notes=notes[:10_000],
                sales_owner_id=sales.id,
            )
        except ValueError:
            return
        store.add_requisition(req)
        out = io.StringIO()
        csv_export.write_requisitions(store, out, "csv")
        for row in list(csv.reader(io.StringIO(out.getvalue())))[1:]:
            for cell in row:
                assert not cell.startswith(FORMULA_START), repr(cell)

    try:
        export_is_inert()
    finally:
        store.close()


def test_csv_export_carries_no_terminal_escape_sequences(real_db, tmp_path):
    """`mediate export requisitions` prints to the terminal by default: a stored ESC would run there."""
    with Store(real_db, now=lambda: NOW) as store:
        store.add_requisition(
            Requisition(title="Role \x1b]0;pwned\x07 \x1b[2J", client="C", sales_owner_id=1, notes="\x1b[31mred\x1b[0m")
        )
    result = mediate("export", "requisitions", "--db", str(real_db))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_html_notes_escape_every_piece_of_user_text(tmp_path):
    notes = pytest.importorskip("mediation_console.console.core.notes")
    with Store(tmp_path / "team.db", now=lambda: NOW) as store:
        sam = store.add_person(Person(name="<b>Sam</b> & Co", team=Team.SALES))
        store.add_requisition(Requisition(title="<script>alert('req')</script>", client="C", sales_owner_id=sam.id))
        item = StandupItem(
            section="disputes", title="<iframe src=x>", notes="<img src=x onerror=alert(1)>", decision='"quoted" & <u>'
        )
        standup = store.start_standup(
            Standup(
                started_at=NOW,
                ended_at=NOW + dt.timedelta(minutes=10),
                attendees=[Attendee(person_id=sam.id)],
                items=[item],
            )
        )
        store.add_commitment(
            Commitment(
                owner_id=sam.id, text="<script>alert('c')</script>", due=dt.date(2026, 12, 1), standup_id=standup.id
            )
        )
        html = notes.export_notes(store, standup.id, "html")
    for raw in ("<script>", "<img src", "<iframe", "<b>Sam", "<u>"):
        assert raw not in html, raw
    assert "&lt;b&gt;Sam&lt;/b&gt; &amp; Co" in html


EVIL_CONDITIONS = [
    "__import__('os').system('touch {sentinel}')",
    "salary_max.__class__.__mro__",
    "open('{sentinel}', 'w')",
    "exec('import os')",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "lambda: 1",
]
EVIL_REASONS = ["{salary_max.__class__}", "{0.__class__.__init__.__globals__}", "{__import__}"]


@pytest.mark.parametrize("condition", EVIL_CONDITIONS)
def test_a_rule_pack_condition_cannot_run_code(tmp_path, condition):
    pack = pytest.importorskip("mediation_console.console.core.rules.pack")
    sentinel = tmp_path / "pwned"
    text = (
        '[[criteria]]\nid = "urgency"\nlevels = [\n'
        f'  {{ score = 2, when = """{condition.format(sentinel=sentinel)}""", reason = "x" }},\n'
        '  { score = 0, reason = "y" },\n]\n'
    )
    with pytest.raises(pack.PackError) as refused:
        pack.load_pack_text(text, "evil.toml")
    assert "evil.toml" in str(refused.value)
    assert not sentinel.exists()


@pytest.mark.parametrize("reason", EVIL_REASONS)
def test_a_rule_pack_reason_cannot_reach_python_objects(reason):
    """Reasons are filled by plain substitution of known facts: attribute paths stay literal text."""
    conditions = pytest.importorskip("mediation_console.console.core.rules.conditions")
    pack = pytest.importorskip("mediation_console.console.core.rules.pack")
    try:
        pack.load_pack_text(
            f'[[criteria]]\nid = "urgency"\nlevels = [\n  {{ score = 0, reason = """{reason}""" }},\n]\n', "evil.toml"
        )
    except pack.PackError:
        return  # refused at load: also safe
    rendered = conditions.Template.compile(reason, known={"salary_max"}).render({"salary_max": 120_000})
    assert rendered == reason
    assert "<class" not in rendered and "function" not in rendered


def test_the_console_refuses_an_evil_rule_pack_with_a_message_not_a_traceback(real_db, tmp_path):
    pytest.importorskip("mediation_console.console.core.rules.pack")
    sentinel = tmp_path / "pwned"
    evil = tmp_path / "evil.toml"
    evil.write_text(
        '[[criteria]]\nid = "urgency"\nlevels = [\n'
        f'  {{ score = 2, when = """__import__(\'os\').system(\'touch {sentinel}\')""", reason = "x" }},\n'
        '  { score = 0, reason = "y" },\n]\n'
    )
    result = mediate("rules", "check", str(evil), "--db", str(real_db))
    assert_clean_failure(result, 1, "evil.toml", "unknown fact '__import__'")
    assert not sentinel.exists()
