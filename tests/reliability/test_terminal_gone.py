"""The console stops once its terminal is gone.

Found running `make demo` in tmux and closing the window: the kernel tells only the terminal's first
process (there, make), which waits for `mediate`; `mediate` was not told, its input read nothing at
once, forever, and it spun a core until it was killed. Here the console runs on a pseudo-terminal it
does not control (as under make: no hang-up signal reaches it), the terminal is closed, and the
console must end by itself within a few seconds, with what it saved kept.
"""

from __future__ import annotations

import os
import time

from mediation_console.console.core.database import open_store
from mediation_console.db.models import Person, Requisition, Team
from tests.reliability.pty_run import PtySession


def test_the_console_stops_when_its_terminal_is_closed(tmp_path):
    db = tmp_path / "team.db"
    store = open_store(db)
    try:
        sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        store.add_requisition(Requisition(title="Staff accountant", client="Initech", sales_owner_id=sam.id))
    finally:
        store.close()
    logs = tmp_path / "logs"
    with PtySession(["--db", str(db)], MEDIATE_LOG_DIR=str(logs)) as console:
        assert console.wait_for(b"Staff accountant"), console.output.decode("utf-8", "replace")[-2000:]
        console.read_for(0.5)
        os.close(console.master)  # the window closed
        console.master = os.open(os.devnull, os.O_RDONLY)  # what the session closes on its way out
        deadline = time.monotonic() + 15
        while console.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert console.process.poll() is not None, "the console kept running after its terminal was closed"
    assert not logs.exists() or not any(logs.iterdir()), "it stopped, but on an unexpected problem"
    reopened = open_store(db)
    try:
        assert [r.title for r in reopened.iter_requisitions()] == ["Staff accountant"]
    finally:
        reopened.close()
