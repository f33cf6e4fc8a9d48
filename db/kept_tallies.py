"""Settled days' tallies of the expectations' metrics, kept in a small file of their own beside the database.

A metric's case is decided (kept or broken) a few days after its clock starts, and then stays so
unless a write changes it; the database marks every day such a write touches (table ``tally_days``,
migration 24). Each hour's tally (kept, decided) is kept here with the mark its day had when it was
worked out, and trusted while the day carries the same mark, so a measurement reads only the days that are recent or
changed, not every case of its window (at 1,000,000 requisitions, seconds of SQLite).

The file is a cache: losing it, or any error reading or writing it, costs time and nothing else. It
lives outside the database on purpose: a write there would look to every other console like a change
of the data (SQLite's data_version), and a read-only seat could not keep one at all.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from mediation_console.db import safe_file

# (hour, the mark its day had when it was tallied (None: never marked), the hour it was tallied at, kept,
# decided); hours are counted from the first day of the calendar (date.toordinal() * 24 + the hour).
HourTally = tuple[int, int | None, int, int, int]


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
                # Private, as the database is: the tallies are the team's figures, by the hour.
                safe_file.ensure_private_dir(self.path.parent)
                os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
                # A short wait: another console writing its tallies is no reason to hold up these figures.
                conn = sqlite3.connect(self.path, timeout=0.2, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS tallies_by_hour (key TEXT NOT NULL, hour INTEGER NOT NULL, mark INTEGER,"
                    " tallied_at INTEGER NOT NULL, kept INTEGER NOT NULL, decided INTEGER NOT NULL,"
                    " PRIMARY KEY (key, hour)) WITHOUT ROWID"
                )
                self._conn = conn
            except (sqlite3.Error, OSError):
                self._broken = True
        return self._conn

    def read(self, key: str, first: int, last: int) -> dict[int, tuple[int | None, int, int, int]]:
        """{hour: (mark, tallied at, kept, decided)} of the hours from `first` to `last` kept for `key`."""
        with self._lock:
            conn = self._connection()
            if conn is None:
                return {}
            try:
                # One row, not one per hour: each row fetched waits for Python's lock, which the console's
                # start-up work holds for seconds at a time.
                (text,) = conn.execute(
                    "SELECT json_group_array(json_array(hour, mark, tallied_at, kept, decided)) FROM tallies_by_hour"
                    " WHERE key = ? AND hour BETWEEN ? AND ?",
                    (key, first, last),
                ).fetchone()
            except sqlite3.Error:
                return {}
        return {hour: (mark, at, kept, decided) for hour, mark, at, kept, decided in json.loads(text or "[]")}

    def write(self, key: str, hours: Iterable[HourTally]) -> None:
        """Keeps these hours' tallies for `key` (replacing what was kept for them)."""
        rows = [(key, hour, mark, at, kept, decided) for hour, mark, at, kept, decided in hours]
        if not rows:
            return
        with self._lock:
            conn = self._connection()
            if conn is None:
                return
            try:
                with conn:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.executemany("INSERT OR REPLACE INTO tallies_by_hour VALUES (?, ?, ?, ?, ?, ?)", rows)
            except sqlite3.Error:
                return

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


__all__ = ["HourTally", "KeptTallies"]
