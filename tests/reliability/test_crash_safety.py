"""Killing the console mid-write (SIGKILL, no chance to clean up) never loses a committed change."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from mediation_console.console.core.metric_registry import default_expectations
from tests.reliability.helpers import PYTHON, REPO, audit_problems, clean_env, integrity, soak

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = soak(24, 300)


def run_and_kill(db: Path, tag: str, delay: float) -> list[str]:
    """Starts a writer, SIGKILLs it after `delay` seconds and returns the lines it fully printed."""
    proc = subprocess.Popen(
        [PYTHON, str(WRITER), str(db), tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
        cwd=REPO,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # "imported": the delay runs from here, not from the fork
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    out = first + out
    assert proc.returncode == -signal.SIGKILL, f"the writer stopped by itself: {err.decode()}"
    # A line cut short by the kill was never a promise; only whole lines count.
    text = out.decode()
    lines = text.split("\n")
    return lines[:-1] if not text.endswith("\n") else lines


def test_sigkill_at_random_moments_never_loses_a_committed_requisition(tmp_path):
    db = tmp_path / "team.db"
    rng = random.Random(20261123)
    promised_requisitions: set[int] = set()
    promised_submittals: dict[int, int] = {}
    survived = 0
    for round_ in range(KILLS):
        # Some kills land while the file is being created or opened, most in the middle of writing.
        delay = rng.choice([rng.uniform(0.0, 0.15), rng.uniform(0.15, 0.6)])
        for line in run_and_kill(db, str(round_), delay):
            words = line.split()
            if words and words[0] == "requisition":
                promised_requisitions.add(int(words[1]))
            elif words and words[0] == "submittal":
                promised_submittals[int(words[1])] = int(words[2])
        if not db.exists() or db.stat().st_size == 0:
            continue  # killed before SQLite wrote its first page: an empty file is a new database
        assert integrity(db) == "ok", f"after kill {round_ + 1}"
        survived += 1

    assert survived >= 20
    assert promised_requisitions, "the writer never got to commit anything; the delays are too short"
    conn = sqlite3.connect(db)
    try:
        stored = {row[0] for row in conn.execute("SELECT id FROM requisitions")}
        assert promised_requisitions <= stored, f"lost: {sorted(promised_requisitions - stored)[:10]}"
        events = dict(conn.execute("SELECT id, requisition_id FROM pipeline_events"))
        for event_id, req_id in promised_submittals.items():
            assert events.get(event_id) == req_id
        # The submittal counter moves in the event's own transaction: never ahead of or behind the events.
        drift = conn.execute(
            "SELECT r.id FROM requisitions r WHERE r.submittals != "
            "(SELECT COUNT(*) FROM pipeline_events p WHERE p.requisition_id = r.id AND p.kind = 'submittal')"
        ).fetchall()
        assert drift == []
        assert audit_problems(conn) == []
        # The new file is set up in one transaction: the default expectations are all there, once.
        assert conn.execute("SELECT COUNT(*) FROM expectations").fetchone()[0] == len(default_expectations())
        assert conn.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 1
    finally:
        conn.close()
    print(
        f"\nkills survived: {survived}; committed requisitions kept: {len(promised_requisitions)}; "
        f"submittals kept: {len(promised_submittals)}"
    )
