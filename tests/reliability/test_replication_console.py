"""`mediate replicate --with-console`: the header says how the copy is doing, and once Litestream has
stopped it says so (when, and why: it died, its exit code, its last error line) instead of the last
"copied" line; and Litestream never outlives the console (Linux: a parent-death signal).

The first test runs the console under Textual's pilot beside a stand-in `litestream` that reports one
copy, prints an error and exits. The others drive the real thing from outside, in tmux, with the real
Litestream: its death is seen in the header, and a SIGKILLed console takes its Litestream with it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Header

from mediation_console.console.core import replication
from mediation_console.console.core.database import open_store
from mediation_console.console.core.replication import Replicator, parse_replica
from mediation_console.db.models import Person, Requisition, Team
from tests.reliability.helpers import PYTHON, REPO, clean_env

SIZE = (160, 30)
SEEN_WITHIN_S = 30  # generous on a loaded machine; the header is redrawn every 2 s

FAKE_LITESTREAM = """#!/bin/sh
# A Litestream that copies once, then loses its replica and gives up.
echo '{"level":"INFO","msg":"replicating to","type":"file"}' >&2
echo '{"level":"DEBUG","msg":"replica sync","txid":{"replica":"0000000000000002","db":"0000000000000002"}}' >&2
sleep 3
echo 'Error: open /share/mediation/ltx/0: input/output error' >&2
exit 3
"""


def header_text(app) -> str:  # type: ignore[no-untyped-def]
    return app.screen.query_one(Header).format_title().plain


async def test_the_header_says_when_and_why_the_copy_stopped_never_the_last_copied_line(
    store, app_factory, tmp_path, monkeypatch
):
    fake = tmp_path / "litestream"
    fake.write_text(FAKE_LITESTREAM)
    fake.chmod(0o700)
    monkeypatch.setattr(replication, "litestream_binary", lambda: fake)
    replicator = Replicator(store.path, parse_replica(str(tmp_path / "share"), store.path))
    replicator.start()
    app = app_factory(store, replication=replicator)
    try:
        async with app.run_test(size=SIZE) as pilot:
            deadline = time.monotonic() + SEEN_WITHIN_S
            while "copied at" not in header_text(app):
                assert time.monotonic() < deadline, header_text(app)
                await pilot.pause(0.2)
            assert header_text(app).startswith("Mediation Console — Requisition queue · copied at ")
            while "STOPPED" not in header_text(app):
                assert time.monotonic() < deadline, header_text(app)
                await pilot.pause(0.2)
            shown = header_text(app)
            assert "Litestream died (exit code 3): open /share/mediation/ltx/0: input/output error" in shown
            assert "last copy " in shown
            assert "copied at" not in shown
            await pilot.press("3")  # every screen's header says it
            await pilot.pause()
            assert "STOPPED" in header_text(app) and "Expectations" in header_text(app)
            toasts = [n.message for n in app._notifications]
            assert any("exit code 3" in m and "changes since are not copied" in m for m in toasts), toasts
    finally:
        replicator.stop()
    assert replicator.state.exit_code == 3 and not replicator.state.stopped_by_us


# -- from outside, in tmux, with the real Litestream ----------------------------------------------------


@pytest.fixture
def tmux() -> Iterator[list[str]]:
    """A tmux server of this test's own (its own socket), killed afterwards with everything in it."""
    if shutil.which("tmux") is None:
        pytest.skip(
            "tmux is not installed: apt-get install tmux (.ci/run installs it) to drive the console from outside"
        )
    base = ["tmux", "-L", f"mediate-test-{uuid.uuid4().hex[:8]}", "-f", "/dev/null"]
    yield base
    subprocess.run([*base, "kill-server"], capture_output=True, check=False)


def start_console_in_tmux(tmux: list[str], db: Path, replica: Path, settings: Path) -> None:
    env = clean_env(MEDIATE_SETTINGS=str(settings), TERM="xterm-256color")
    for name in ("TEXTUAL", "COLUMNS", "LINES"):  # pytest's workers set COLUMNS=80: the pane's size must rule
        env.pop(name, None)
    command = [PYTHON, "-m", "mediation_console", "replicate", "--with-console", "--db", str(db), "--to", str(replica)]
    # `; sleep` keeps the pane (and what the CLI printed on leaving) readable after the console exits.
    shell = " ".join(_quote(a) for a in command) + " 2>&1; echo exit=$?; sleep 600"
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "lead", "-x", str(SIZE[0]), "-y", str(SIZE[1]), "-c", str(REPO), shell],
        check=True,
        env=env,
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def screen(tmux: list[str]) -> str:
    return subprocess.run(
        [*tmux, "capture-pane", "-p", "-t", "lead"], capture_output=True, text=True, check=False
    ).stdout


def wait_for_screen(tmux: list[str], *words: str, timeout: float = SEEN_WITHIN_S) -> str:
    deadline = time.monotonic() + timeout
    while True:
        shown = screen(tmux)
        if all(word in shown for word in words):
            return shown
        assert time.monotonic() < deadline, f"{words} not shown in {timeout} s:\n{shown}"
        time.sleep(0.3)


def wait_for_header(tmux: list[str], *words: str) -> str:
    """The console's header line (its first) once it shows every one of `words`."""
    deadline = time.monotonic() + SEEN_WITHIN_S
    while True:
        header = screen(tmux).split("\n", 1)[0]
        if all(word in header for word in words):
            return header
        assert time.monotonic() < deadline, f"{words} not in the header in {SEEN_WITHIN_S} s: {header!r}"
        time.sleep(0.3)


def children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The parent is the 4th field after the command, which is in parentheses.
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def process_named(name: str, under: int) -> int | None:
    """The pid of a process whose program is `name` among the descendants of `under`."""
    tree, todo = children(), [under]
    while todo:
        pid = todo.pop()
        for child in tree.get(pid, []):
            try:
                program = (Path("/proc") / str(child) / "cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if os.path.basename(program) == name.encode():
                return child
            todo.append(child)
    return None


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def the_console_and_its_litestream(tmux: list[str], db: Path, replica: Path, settings: Path) -> tuple[int, int]:
    with open_store(db) as store:
        owner = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        store.add_requisition(Requisition(title="Replicated role", client="Initech", sales_owner_id=owner.id))
    start_console_in_tmux(tmux, db, replica, settings)
    wait_for_header(tmux, "Requisition queue", "copied at")
    pane = int(
        subprocess.run(
            [*tmux, "display", "-p", "-t", "lead", "#{pane_pid}"], capture_output=True, text=True
        ).stdout.strip()
    )
    python = process_named(os.path.basename(PYTHON), pane) or process_named(Path(sys.executable).name, pane)
    assert python is not None, "the console's process was not found"
    litestream = process_named("litestream", python)
    assert litestream is not None, "the console's Litestream was not found"
    return python, litestream


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")
def test_a_litestream_killed_beside_the_console_shows_in_its_header_and_on_leaving(tmux, tmp_path):
    db, replica, settings = tmp_path / "team.db", tmp_path / "share" / "mediation", tmp_path / "settings.json"
    _, litestream = the_console_and_its_litestream(tmux, db, replica, settings)
    os.kill(litestream, signal.SIGKILL)
    header = wait_for_header(tmux, "COPY STOPPED at ", ": Litestream died (killed by SIGKILL, exit code -9); last copy")
    assert "copied at" not in header
    subprocess.run([*tmux, "send-keys", "-t", "lead", "q"], check=True)
    left = wait_for_screen(tmux, "exit=")
    assert "Replication stopped: Litestream died (killed by SIGKILL, exit code -9)" in left
    assert "changes made after that were not copied: run mediate replicate" in left
    assert "Traceback" not in left
    assert "exit=0" in left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_killed_console_takes_its_litestream_with_it(tmux, tmp_path):
    """End to end (the signal itself is the next test's: the real Litestream also dies of a broken pipe)."""
    db, replica, settings = tmp_path / "team.db", tmp_path / "share" / "mediation", tmp_path / "settings.json"
    console, litestream = the_console_and_its_litestream(tmux, db, replica, settings)
    os.kill(console, signal.SIGKILL)
    deadline = time.monotonic() + 20  # SIGTERM: Litestream copies what is left, then exits
    while alive(litestream):
        assert time.monotonic() < deadline, f"Litestream {litestream} outlived the console by 20 s"
        time.sleep(0.2)


SILENT_LITESTREAM = "#!/bin/sh\nexec sleep 600\n"  # writes nothing: no broken pipe would ever stop it

STARTS_ONE = """
import sys, time
from pathlib import Path
from mediation_console.console.core import replication
replication.litestream_binary = lambda: Path(sys.argv[1])
r = replication.Replicator(Path(sys.argv[2]), replication.parse_replica(sys.argv[3], Path(sys.argv[2])))
r.start()
print(r.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_litestream_gets_a_signal_when_the_process_that_started_it_dies(tmp_path):
    """Not through a broken pipe (the real Litestream also dies of one when it next logs): a stand-in
    that never writes still ends, because it was started with PR_SET_PDEATHSIG."""
    fake = tmp_path / "litestream"
    fake.write_text(SILENT_LITESTREAM)
    fake.chmod(0o700)
    db = tmp_path / "team.db"
    with open_store(db):
        pass
    parent = subprocess.Popen(
        [PYTHON, "-c", STARTS_ONE, str(fake), str(db), str(tmp_path / "share")],
        stdout=subprocess.PIPE,
        text=True,
        env=clean_env(),
        cwd=REPO,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.kill()
    parent.wait(10)
    deadline = time.monotonic() + 10
    while alive(child):
        if time.monotonic() > deadline:
            os.kill(child, signal.SIGKILL)
            pytest.fail("the stand-in Litestream outlived the process that started it")
        time.sleep(0.1)


def test_the_header_says_the_copy_stopped_when_the_replica_folder_goes_away(tmp_path):
    db, share = tmp_path / "team.db", tmp_path / "share"
    with open_store(db) as store:
        store.add_person(Person(name="Sam Seller", team=Team.SALES))
    replicator = Replicator(db, parse_replica(str(share / "mediation"), db))
    replicator.start()
    try:
        deadline = time.monotonic() + SEEN_WITHIN_S
        while not replicator.summary(where=False).startswith("copied at"):
            assert time.monotonic() < deadline, replicator.summary()
            time.sleep(0.2)
        shutil.rmtree(share)  # the network share is unmounted while the console copies to it
        while replicator.running():
            assert time.monotonic() < deadline, replicator.summary()
            time.sleep(0.2)
        shown = replicator.summary()
    finally:
        replicator.stop()
    assert shown.startswith(f"COPY to {share.joinpath('mediation').as_uri()} STOPPED at "), shown
    assert f"the replica folder {share / 'mediation'} is gone (is the network share still mounted?)" in shown
    assert shown.endswith("changes since are not copied (restart: mediate replicate --with-console)"), shown
    assert not replicator.state.stopped_by_us
