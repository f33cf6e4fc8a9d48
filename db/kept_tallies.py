"""Settled days' tallies of the expectations' metrics, kept in a small file of their own beside the database.

A metric's case is decided (kept or broken) a few days after its clock starts, and then stays so
unless a write changes it; the database marks every day such a write touches (table ``tally_days``,
migration 24). A day's tally (kept, decided) is kept here with the mark it was worked out under and
trusted while the day carries the same mark, so a measurement reads only the days that are recent or
changed, not every case of its window (at 1,000,000 requisitions, seconds of SQLite).

The file is a cache: losing it, or any error reading or writing it, costs time and nothing else. It
lives outside the database on purpose: a write there would look to every other console like a change
of the data (SQLite's data_version), and a read-only seat could not keep one at all.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

# (day, mark the day had when it was tallied (None: never marked), kept, decided)
DayTally = tuple[str, int | None, int, int]


class KeptTallies:
    """One database's kept tallies (keyed by what defines the cases: metric, threshold, calendar…)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._broken = False

    def _connection(self) -> sqlite3.Connection | None:
        if self._conn is None and not self._broken:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=2.0, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS tallies (key TEXT NOT NULL, day TEXT NOT NULL, mark INTEGER,"
                    " kept INTEGER NOT NULL, decided INTEGER NOT NULL, PRIMARY KEY (key, day)) WITHOUT ROWID"
                )
                self._conn = conn
            except (sqlite3.Error, OSError):
                self._broken = True
        return self._conn

    def read(self, key: str, first: str, last: str) -> dict[str, tuple[int | None, int, int]]:
        """{day: (mark, kept, decided)} of the days from `first` to `last` (ISO dates) kept for `key`."""
        with self._lock:
            conn = self._connection()
            if conn is None:
                return {}
            try:
                rows = conn.execute(
                    "SELECT day, mark, kept, decided FROM tallies WHERE key = ? AND day BETWEEN ? AND ?",
                    (key, first, last),
                ).fetchall()
            except sqlite3.Error:
                return {}
        return {day: (mark, kept, decided) for day, mark, kept, decided in rows}

    def write(self, key: str, days: Iterable[DayTally]) -> None:
        """Keeps these days' tallies for `key` (replacing what was kept for them)."""
        rows = [(key, day, mark, kept, decided) for day, mark, kept, decided in days]
        if not rows:
            return
        with self._lock:
            conn = self._connection()
            if conn is None:
                return
            try:
                with conn:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.executemany("INSERT OR REPLACE INTO tallies VALUES (?, ?, ?, ?, ?)", rows)
            except sqlite3.Error:
                return

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


__all__ = ["DayTally", "KeptTallies"]
