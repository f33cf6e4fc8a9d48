"""Whatever file the console is pointed at, it answers with a clear message and exit code, no
traceback, and leaves the file exactly as it was."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from mediation_console.db.models import Person, Requisition, Team
from mediation_console.db.schema import SCHEMA_VERSION
from mediation_console.db.store import QueueQuery, Store, StoreError
from tests.reliability.conftest import NOW, TINY_DISK_KB
from tests.reliability.helpers import PYTHON, assert_clean_failure, clean_env, fingerprint, integrity, mediate

# Each hostile file is refused by `doctor` and by the console itself, before any screen is drawn.
COMMANDS = {"doctor": ("doctor",), "console": (), "backup": ("backup",)}


def refuse_everywhere(path: Path, *words: str) -> None:
    before = fingerprint(path) if path.is_file() else None
    for name, command in COMMANDS.items():
        result = mediate(*command, "--db", str(path), timeout=60)
        assert_clean_failure(result, 2, *words)
        assert "\x1b[?1049h" not in result.stdout, f"{name} started the full-screen UI"
        if before is not None:
            assert fingerprint(path) == before, f"{name} changed the file"


def test_a_zero_byte_file_is_taken_as_a_new_private_database(tmp_path):
    empty = tmp_path / "new.db"
    empty.touch(mode=0o644)
    result = mediate("doctor", "--db", str(empty))
    assert result.returncode == 0, result.stderr
    assert f"schema         version {SCHEMA_VERSION}" in result.stdout
    assert "permissions    0o600" in result.stdout
    assert integrity(empty) == "ok"


def test_a_text_file_is_refused_untouched(tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("Standup notes\nSam: call the client\n")
    refuse_everywhere(notes, "not an sqlite file")


@pytest.mark.parametrize("keep", [100, 16384, "all but the last page"])
def test_a_truncated_database_is_refused_untouched(real_db, tmp_path, keep):
    data = real_db.read_bytes()
    size = {"half": len(data) // 2, "all but the last page": len(data) - 4096}.get(keep, keep)
    cut = tmp_path / "cut.db"
    cut.write_bytes(data[:size])
    refuse_everywhere(cut, "not a usable database")


def test_a_database_of_another_application_is_refused_untouched(tmp_path):
    other = tmp_path / "photos.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT)")
    conn.execute("INSERT INTO albums (title) VALUES ('Holidays')")
    conn.commit()
    conn.close()
    refuse_everywhere(other, "another application", "albums")


def test_a_folder_is_refused(tmp_path):
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    refuse_everywhere(folder, "is a folder")
    assert list(folder.iterdir()) == []


def test_a_database_in_a_folder_that_does_not_exist_is_refused(tmp_path):
    missing = tmp_path / "no-such-folder" / "team.db"
    for command in (("doctor",), ()):
        assert_clean_failure(mediate(*command, "--db", str(missing)), 2, "does not exist")
    assert not missing.parent.exists()


def test_a_new_database_in_a_read_only_folder_is_refused(read_only_folder):
    folder, make_read_only = read_only_folder
    make_read_only()
    assert_clean_failure(mediate("--db", str(folder / "team.db")), 2, "not writable")
    assert list(folder.iterdir()) == []


def test_a_database_on_a_read_only_filesystem_opens_read_only_and_says_so(real_db, read_only_folder):
    folder, make_read_only = read_only_folder
    db = folder / "team.db"
    shutil.copyfile(real_db, db)
    make_read_only()
    before = fingerprint(db)
    result = mediate("doctor", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "read-only" in result.stdout
    assert fingerprint(db) == before
    with Store(db) as store:
        assert store.readonly
        with pytest.raises(StoreError, match="read-only"):
            store.add_person(Person(name="Nobody", team=Team.SALES))


def test_a_read_only_database_opens_read_only_and_says_so(real_db):
    real_db.chmod(0o400)
    before = fingerprint(real_db)
    result = mediate("doctor", "--db", str(real_db))
    assert result.returncode == 0, result.stderr
    assert "warning: The database is open read-only" in result.stdout
    with Store(real_db) as store:
        assert store.readonly
        assert store.count_queue(QueueQuery(text="spark")) == 120
        with pytest.raises(StoreError, match="read-only"):
            store.add_person(Person(name="Nobody", team=Team.SALES))
    assert fingerprint(real_db) == before


def test_a_full_disk_refuses_the_change_and_keeps_what_was_saved(tiny_disk):
    db = tiny_disk / "team.db"
    with Store(db, now=lambda: NOW) as store:
        sales = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        saved = []
        with pytest.raises(StoreError, match="disk is full"):
            for n in range(10_000):
                saved.append(
                    store.add_requisition(
                        Requisition(title=f"Role {n}", client="Initech", sales_owner_id=sales.id, notes="n" * 2000)
                    ).id
                )
        # Nothing half-written: the store goes on answering, and what was saved is all there.
        assert store.count_queue(QueueQuery()) == len(saved)
        ids = [row[0] for row in store.conn.execute("SELECT id FROM requisitions ORDER BY id")]
        assert ids == saved
    assert integrity(db) == "ok"
    result = mediate("doctor", "--db", str(db))
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stdout + result.stderr


def test_a_backup_onto_a_full_disk_fails_cleanly_and_leaves_no_partial_copy(real_db, tiny_disk):
    before = fingerprint(real_db)
    filler = tiny_disk / "filler"
    filler.write_bytes(b"\0" * ((TINY_DISK_KB - 56) * 1024))
    assert_clean_failure(mediate("backup", "--db", str(real_db), str(tiny_disk / "copy.db")), 2, "full")
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]
    assert fingerprint(real_db) == before


def test_a_new_database_on_a_full_disk_is_refused_and_not_left_half_made(tiny_disk):
    (tiny_disk / "filler").write_bytes(b"\0" * ((TINY_DISK_KB - 4) * 1024))
    db = tiny_disk / "team.db"
    with pytest.raises(StoreError, match="full|disk"):
        Store(db)
    assert not db.exists()
    assert_clean_failure(mediate("--db", str(db)), 2, "full")
    assert not db.exists()


def test_the_sqlite_page_limit_stands_in_for_a_full_disk_where_mounting_is_not_allowed(real_db):
    with Store(real_db, now=lambda: NOW) as store:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
        sales = store.person_by_name("Sam Seller")
        before = store.counts()
        with pytest.raises(StoreError, match="disk is full"):
            for n in range(500):
                store.add_requisition(Requisition(title=f"R{n}", client="C", sales_owner_id=sales.id, notes="x" * 4000))
        after = store.counts()
        # Every change either landed whole (with its audit row) or not at all.
        assert after["events"] - before["events"] == after["requisitions"] - before["requisitions"]
        store.conn.execute("PRAGMA max_page_count = 1073741823")
        store.add_requisition(Requisition(title="After space was freed", client="C", sales_owner_id=sales.id))
    assert integrity(real_db) == "ok"


async def test_the_console_opens_a_read_only_database_with_a_banner_and_refuses_changes(real_db):
    app_module = pytest.importorskip("mediation_console.console.app")
    from textual.widgets import Static

    from mediation_console.screens.base import READONLY_MESSAGE

    real_db.chmod(0o400)
    before = fingerprint(real_db)
    store = Store(real_db, now=lambda: NOW)
    try:
        assert store.readonly
        app = app_module.MediationApp(store, now=lambda: NOW)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            banner = app.screen.query_one("#readonly-banner", Static)
            assert str(banner.render()) == READONLY_MESSAGE
            # Under the header, not over it (the header carries the title and the replication state).
            assert banner.region.y > app.screen.query_one("Header").region.bottom - 1
            screen = app.screen
            await pilot.press("n")  # a new requisition: refused with a toast, no form opens
            await pilot.pause()
            assert app.screen is screen
            assert any(READONLY_MESSAGE in str(n.message) for n in app._notifications)
    finally:
        store.close()
    assert fingerprint(real_db) == before


# Finding 7 of issue 21: a FIFO as --db, --rules or the file to import hung the command forever (reading
# a FIFO waits for a writer), and --db naming a character device chmod-ed the device to 0600.
def test_a_fifo_as_the_database_is_refused_at_once(tmp_path):
    fifo = tmp_path / "team.db"
    os.mkfifo(fifo)
    refuse_everywhere(fifo, "not a regular file", "database")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.fixture
def device(tmp_path) -> Path:
    """A character device (the null device): one made in the test's own folder where allowed (root),
    else /dev/null itself, which a non-root run cannot chmod anyway."""
    node = tmp_path / "null-device"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError):
        return Path("/dev/null")
    os.chmod(node, 0o666)  # whatever the umask
    return node


def test_a_character_device_as_the_database_is_refused_and_keeps_its_mode(device):
    mode = os.stat(device).st_mode
    refuse_everywhere(device, "not a regular file", "database")
    assert os.stat(device).st_mode == mode


# Every command that reads a file the lead names, with a FIFO (nobody writing to it) in its place.
READERS = {
    "rules check PACK": lambda fifo, db, _: ("rules", "check", str(fifo), "--db", str(db)),
    "--rules PACK": lambda fifo, db, _: ("--rules", str(fifo), "rules", "check", "--db", str(db)),
    "import requisitions FILE": lambda fifo, db, _: ("import", "requisitions", str(fifo), "--db", str(db)),
    "import requisitions --map FILE": lambda fifo, db, csv_file: (
        "import",
        "requisitions",
        str(csv_file),
        "--map",
        str(fifo),
        "--db",
        str(db),
    ),
    "people import FILE": lambda fifo, db, _: ("people", "import", str(fifo), "--db", str(db)),
    "story load FILE": lambda fifo, db, _: ("story", "load", str(fifo), "--db", str(db)),
}


@pytest.mark.parametrize("command", list(READERS))
def test_a_fifo_named_as_a_file_to_read_is_refused_at_once(real_db, tmp_path, command):
    fifo = tmp_path / "input"
    os.mkfifo(fifo)
    csv_file = tmp_path / "reqs.csv"
    csv_file.write_text("Job Title,Company,Owner\nAnalyst,Initech,Sam Seller\n", encoding="utf-8")
    before = fingerprint(real_db)
    # Before, each of these waited for a writer that never came (the timeout would raise here).
    result = mediate(*READERS[command](fifo, real_db, csv_file), timeout=60)
    assert_clean_failure(result, 2, "not a regular file")
    assert fingerprint(real_db) == before


def test_the_settings_file_being_a_fifo_does_not_hang_the_console_start(tmp_path):
    settings = tmp_path / "settings.json"
    os.mkfifo(settings)
    read = subprocess.run(
        [PYTHON, "-c", "from mediation_console.console.core.config import load_settings; print(load_settings())"],
        capture_output=True,
        text=True,
        timeout=60,  # before, it waited for a writer forever
        env=clean_env(MEDIATE_SETTINGS=str(settings)),
    )
    assert read.returncode == 0 and read.stdout.strip() == "{}", read.stdout + read.stderr  # the defaults


def test_the_library_reader_refuses_a_fifo_swapped_in_after_a_check(tmp_path):
    from mediation_console.db.safe_file import NotRegularFile, open_for_reading

    path = tmp_path / "reqs.csv"
    path.write_text("Job Title\n")
    with open_for_reading(path) as handle:
        assert handle.read() == b"Job Title\n"
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(NotRegularFile):
        open_for_reading(path)


def test_a_fifo_among_the_theme_files_is_named_and_does_not_hang_the_console_start(tmp_path):
    themes = tmp_path / "themes"
    themes.mkdir()
    os.mkfifo(themes / "pipe.toml")
    (themes / "calm.toml").write_text('primary = "#3366aa"\n', encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from mediation_console.screens.user_themes import load_theme_files; "
        "found = load_theme_files(Path(sys.argv[1])); "
        "print([t.name for t in found.themes]); print(found.problems)"
    )
    read = subprocess.run(
        [PYTHON, "-c", code, str(themes)], capture_output=True, text=True, timeout=60, env=clean_env()
    )  # before, it waited for a writer forever
    assert read.returncode == 0, read.stderr
    names, problems = read.stdout.splitlines()
    assert names == "['calm']"
    assert "pipe.toml" in problems and "not a regular file" in problems
