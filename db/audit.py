"""The audit log as a hash chain: the one writer of audit rows, and the check that reads the chain back.

Each row's `hash` is SHA-256 over the previous row's hash and the row's own content (its id, time,
actor, entity, action, before and after), as in certificate transparency logs: editing a row breaks
its own link, deleting or reordering rows breaks the link of the row after them. The table
`audit_head` records the last row and its hash, written in the same transaction as the row, so
deleting the *last* rows is noticed too. Anyone holding the file can recompute the whole chain (there
is no secret); what makes such a rewrite visible is a head recorded elsewhere: every backup holds
its head, and `verify_chain(conn, against=...)` checks that an earlier head is still in the chain.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# The hash the first row links to.
GENESIS = "0" * 64
# An audit row as the writers hand it over: (at, actor, entity, entity_id, action, before, after).
AuditRow = tuple[Any, Any, Any, Any, Any, Any, Any]
CONTENT_COLUMNS = ("id", "at", "actor", "entity", "entity_id", "action", "before", "after")
_INSERT = (
    "INSERT INTO events (id, at, actor, entity, entity_id, action, before, after, hash) VALUES (?,?,?,?,?,?,?,?,?)"
)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
# The string encoder _ENCODE uses for each value (ensure_ascii=False): the C one where there is one.
_QUOTE = json.encoder.encode_basestring


def link(prev: str, row: Sequence[Any]) -> str:
    """The hash of one row (`CONTENT_COLUMNS` in order) after `prev`. Every value is taken as text, so
    what SQLite's column affinity does to a value ("5" stored as 5) does not change the hash.

    The hashed text is the compact JSON list [prev, *values as text] (`_ENCODE` of it, byte for byte),
    written here value by value: half the cost of building the list and encoding it, which counts at the
    ten million rows of a 1,000,000-requisition demo."""
    quote = _QUOTE
    parts = ["[" + quote(prev)]
    for value in row:
        parts.append("null" if value is None else quote(value if type(value) is str else str(value)))
    return hashlib.sha256((",".join(parts) + "]").encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Head:
    """The last row of the chain and its hash (row 0 and GENESIS for an empty log)."""

    event_id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.event_id}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        event_id, _, digest = text.strip().partition(":")
        if not event_id.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{text!r} is not an audit head (ROW:SHA256, as `mediate audit head` prints it)")
        return cls(int(event_id), digest)


def read_head(conn: sqlite3.Connection) -> Head:
    row = conn.execute("SELECT event_id, hash FROM audit_head WHERE singleton = 1").fetchone()
    return Head(0, GENESIS) if row is None else Head(int(row[0]), str(row[1]))


def row_hash(conn: sqlite3.Connection, event_id: int) -> str | None:
    """The hash stored with audit row `event_id` (None when there is no such row)."""
    row = conn.execute("SELECT hash FROM events WHERE id = ?", (event_id,)).fetchone()
    return None if row is None else row[0]


def event_time(conn: sqlite3.Connection, event_id: int) -> str | None:
    """When audit row `event_id` was written, as stored (UTC, "YYYY-MM-DD HH:MM:SS")."""
    row = conn.execute("SELECT at FROM events WHERE id = ?", (event_id,)).fetchone()
    return None if row is None else str(row[0])


def append(conn: sqlite3.Connection, rows: Iterable[AuditRow]) -> int:
    """Writes audit rows at the end of the chain and moves the head; returns how many. Must run inside
    the change's own transaction (the caller holds the write lock, so the head cannot move meanwhile).

    A row links to the recorded head, not to whatever row is last: if rows were deleted outside the
    console, the next row's link shows it instead of papering over the gap.
    """
    head = read_head(conn)
    last = conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]
    next_id, prev = max(head.event_id, last) + 1, head.hash
    first = next_id
    chained = []
    for at, actor, entity, entity_id, action, before, after in rows:
        content = (next_id, at, actor, entity, entity_id, action, before, after)
        prev = link(prev, content)
        chained.append((*content, prev))
        next_id += 1
    if not chained:
        return 0
    conn.executemany(_INSERT, chained)
    conn.execute(
        "INSERT INTO audit_head (singleton, event_id, hash) VALUES (1, ?, ?) "
        "ON CONFLICT (singleton) DO UPDATE SET event_id = excluded.event_id, hash = excluded.hash",
        (next_id - 1, prev),
    )
    return next_id - first


def hash_existing(conn: sqlite3.Connection) -> Head:
    """Chains the rows written before the log had hashes (the migration that adds them)."""
    prev, last = GENESIS, 0
    updates = []
    for row in _rows(conn):
        prev = link(prev, row[:-1])
        last = row[0]
        updates.append((prev, last))
    conn.executemany("UPDATE events SET hash = ? WHERE id = ?", updates)
    conn.execute("INSERT OR REPLACE INTO audit_head (singleton, event_id, hash) VALUES (1, ?, ?)", (last, prev))
    return Head(last, prev)


def _rows(conn: sqlite3.Connection, page: int = 50_000) -> Iterator[tuple[Any, ...]]:
    last = -1
    columns = ", ".join(CONTENT_COLUMNS)
    while True:
        rows = conn.execute(
            f"SELECT {columns}, hash FROM events WHERE id > ? ORDER BY id LIMIT ?", (last, page)
        ).fetchall()
        if not rows:
            return
        yield from (tuple(r) for r in rows)
        last = rows[-1][0]


@dataclass
class ChainReport:
    rows: int
    head: Head
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(conn: sqlite3.Connection, against: Head | None = None) -> ChainReport:
    """Reads the whole log back and names the first row whose link breaks, and whether the recorded
    head is the last row. `against`: a head recorded earlier (a backup's) that must still be in it."""
    problems: list[str] = []
    prev, prev_id, count = GENESIS, 0, 0
    first_break: str | None = None
    broken = 0
    found_against = against is None or against.event_id == 0
    for row in _rows(conn):
        count += 1
        event_id, stored = row[0], row[-1]
        expected = link(prev, row[:-1])
        if stored != expected and first_break is None:
            if stored is None:
                why = "has no hash: it was written outside the console"
            elif event_id != prev_id + 1:
                why = (
                    f"does not follow row {prev_id}: rows {prev_id + 1}–{event_id - 1} were deleted"
                    if event_id > prev_id + 2
                    else f"does not follow row {prev_id}: row {prev_id + 1} was deleted"
                )
            else:
                why = "does not match its hash: it was edited, or a row before it was deleted or rewritten"
            first_break = f"audit log (events) row {event_id} {why}"
        if stored != expected:
            broken += 1
        if against is not None and event_id == against.event_id:
            found_against = stored == against.hash
            if not found_against:
                problems.append(
                    f"audit log (events) row {event_id} is not the row the earlier head recorded: "
                    "the history up to it was rewritten"
                )
                found_against = True  # reported once
        prev, prev_id = stored if stored is not None else expected, event_id
    if first_break is not None:
        problems.insert(0, first_break + (f" ({broken} rows do not match in all)" if broken > 1 else ""))
    head = _stored_head(conn)
    last = Head(prev_id, prev)
    if head is None:
        if count:
            problems.append("audit log: no chain head is recorded (the table audit_head is empty)")
    elif head.event_id > prev_id:
        problems.append(
            f"audit log (events) ends at row {prev_id} but its recorded head is row {head.event_id}: "
            "the last rows were deleted"
        )
    elif head.event_id < prev_id:
        problems.append(
            f"audit log (events) rows {head.event_id + 1}–{prev_id} come after the recorded head: "
            "they were written outside the console"
        )
    elif head.hash != prev:
        problems.append(f"audit log (events) row {prev_id} does not match the recorded head: it was rewritten")
    if against is not None and not found_against:
        problems.append(
            f"audit log (events) has no row {against.event_id}, which the earlier head recorded: rows were deleted"
        )
    return ChainReport(rows=count, head=last, problems=problems)


def _stored_head(conn: sqlite3.Connection) -> Head | None:
    row = conn.execute("SELECT event_id, hash FROM audit_head WHERE singleton = 1").fetchone()
    return None if row is None else Head(int(row[0]), str(row[1]))


__all__ = [
    "GENESIS",
    "Head",
    "ChainReport",
    "append",
    "hash_existing",
    "link",
    "read_head",
    "verify_chain",
    "row_hash",
    "event_time",
]
