"""What `mediate doctor` checks in the file, and what `doctor --repair` can rebuild safely.

Each check reads the file as it is, whatever wrote it (the console, or someone with the sqlite3 shell):
- the schema's objects (tables, triggers, indexes, views) against what this version's migrations make;
- FTS5's own integrity-check, and the search index against the requisitions it indexes;
- the audit log's hash chain and its recorded head (db/audit.py);
- every record read back through its pydantic model (status, dates, JSON, lengths, titles…);
- the counts kept beside each requisition (submittals, open disputes, …) against a recount.

Repairable: a missing or altered trigger, index or view (re-created from this version's schema), a
trigger or view this version does not have (dropped), the search index (rebuilt from the records),
the counts (recounted). Not repairable, only listed: a broken audit chain, records that their model
refuses, tables that differ from this version's, damage to the file's pages.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from mediation_console.db import audit
from mediation_console.db.damage import RECORD_MODELS, row_problems, store_code
from mediation_console.db.models import (
    OPEN_DISPUTE_STATUSES,
)
from mediation_console.db.schema import FACTS_BACKFILL_STATEMENTS, REQUISITIONS_FTS_FILL, SCHEMA_VERSION, run_migration

# Tables (and their shadow tables) made by tools that work beside the console, never ours to judge.
_FOREIGN_OBJECTS = re.compile(r"^(sqlite_|_litestream_)")
FTS_TABLE = "requisitions_fts"


@dataclass(frozen=True)
class Problem:
    check: str  # "schema", "search index", "audit chain", "records", "counts", "file"
    table: str
    row: int | None
    what: str
    repairable: bool = False

    def __str__(self) -> str:
        where = self.table if self.row is None else f"{self.table} row {self.row}"
        return f"{self.check}: {where}: {self.what}"


def reference_schema() -> dict[tuple[str, str], tuple[str, str]]:
    """(type, name) -> (table it belongs to, SQL) of every object this version's migrations create."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("BEGIN")
        for number in range(SCHEMA_VERSION):
            run_migration(conn, number)
        return _objects(conn)
    finally:
        conn.close()


def _objects(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (kind, name): (table, sql or "")
        for kind, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
        if not _FOREIGN_OBJECTS.match(name) and not (kind == "table" and _is_fts_shadow(name))
    }


def _is_fts_shadow(name: str) -> bool:
    return name.startswith(f"{FTS_TABLE}_")


def _normal(sql: str) -> str:
    return " ".join(sql.replace('"', "").split()).lower()


def check_schema(conn: sqlite3.Connection) -> list[Problem]:
    expected, found = reference_schema(), _objects(conn)
    problems = []
    for (kind, name), (table, sql) in sorted(expected.items()):
        if (kind, name) not in found:
            problems.append(Problem("schema", table, None, f"the {kind} {name} is missing", repairable=kind != "table"))
        elif _normal(found[(kind, name)][1]) != _normal(sql):
            what = (
                f"the table {name}'s columns differ from this version's"
                if kind == "table"
                else f"the {kind} {name} was altered (it differs from this version's)"
            )
            problems.append(Problem("schema", table, None, what, repairable=kind != "table"))
    for (kind, name), (table, _sql) in sorted(found.items()):
        if (kind, name) not in expected:
            # A trigger or view of someone else's can rewrite or hide what the console writes.
            problems.append(
                Problem(
                    "schema",
                    table,
                    None,
                    f"the {kind} {name} is not part of this version's schema",
                    repairable=kind in ("trigger", "view"),
                )
            )
    return problems


def check_search_index(conn: sqlite3.Connection) -> list[Problem]:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)).fetchone():
        return []  # reported by check_schema
    try:
        conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")
    except sqlite3.OperationalError as exc:
        # FTS5's check is an INSERT, which a read-only file refuses; the comparison below still runs.
        if "readonly" not in str(exc).lower():
            return [Problem("search index", FTS_TABLE, None, f"FTS5 integrity-check failed: {exc}", repairable=True)]
    except sqlite3.DatabaseError as exc:
        return [Problem("search index", FTS_TABLE, None, f"FTS5 integrity-check failed: {exc}", repairable=True)]
    problems = []
    try:
        stale = conn.execute(
            f"SELECT r.id, f.rowid IS NULL FROM requisitions r LEFT JOIN {FTS_TABLE} f ON f.rowid = r.id "
            "WHERE f.rowid IS NULL OR f.code IS NOT r.code OR f.title IS NOT r.title OR f.client IS NOT r.client "
            "OR f.notes IS NOT r.notes ORDER BY r.id"
        ).fetchall()
        extra = conn.execute(
            f"SELECT f.rowid FROM {FTS_TABLE} f WHERE f.rowid NOT IN (SELECT id FROM requisitions) ORDER BY f.rowid"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        return [Problem("search index", FTS_TABLE, None, f"cannot be read: {exc}", repairable=True)]
    for req_id, missing in stale[:20]:
        what = "is not in the search index" if missing else "is indexed with other text than it has"
        problems.append(Problem("search index", "requisitions", req_id, what, repairable=True))
    for (rowid,) in extra[:20]:
        problems.append(
            Problem("search index", FTS_TABLE, rowid, "indexes a requisition that does not exist", repairable=True)
        )
    hidden = len(stale) + len(extra) - len(problems)
    if hidden > 0:
        problems.append(
            Problem(
                "search index",
                FTS_TABLE,
                None,
                f"and {hidden} more {'row' if hidden == 1 else 'rows'} like these",
                repairable=True,
            )
        )
    return problems


def check_audit_chain(conn: sqlite3.Connection, against: audit.Head | None = None) -> list[Problem]:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_head'").fetchone():
        return []  # reported by check_schema
    report = audit.verify_chain(conn, against)
    return [
        Problem("audit chain", "events", _row_named(text), re.sub(r"^audit log( \(events\))?( row \d+)?:? ", "", text))
        for text in report.problems
    ]


def _row_named(text: str) -> int | None:
    found = re.search(r"\brow (\d+)", text)
    return int(found.group(1)) if found else None


# How many invalid records are listed one by one per table (the rest are counted).
LISTED_PER_TABLE = 20


def _batches(conn: sqlite3.Connection, table: str, size: int = 5000) -> Iterator[list[sqlite3.Row]]:
    last = -(2**63)
    while True:
        rows = conn.execute(f"SELECT * FROM {table} WHERE id > ? ORDER BY id LIMIT ?", (last, size)).fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


def check_records(conn: sqlite3.Connection) -> list[Problem]:
    conn.row_factory = sqlite3.Row
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    problems: list[Problem] = []
    for table, model in RECORD_MODELS:
        if table not in tables:
            continue
        listed = hidden = 0
        for rows in _batches(conn, table):
            for row in rows:
                found = _record_problems(table, model, dict(row))
                if not found:
                    continue
                if listed < LISTED_PER_TABLE:
                    problems.extend(found)
                    listed += 1
                else:
                    hidden += 1
        if hidden:
            problems.append(
                Problem(
                    "records",
                    table,
                    None,
                    f"and {hidden} more {'record' if hidden == 1 else 'records'} its model refuses",
                )
            )
    problems.extend(_audit_row_problems(conn))
    return problems


def _record_problems(table: str, model: type[BaseModel], data: dict[str, Any]) -> list[Problem]:
    row_id = data.get("id")
    label = f"({code}) " if (code := store_code(data)) else ""
    # The same (field, problem) pairs the console's list of damaged rows shows (db.damage.row_problems),
    # never the refused value: it is the record's data (a title, a name), and this is printed.
    return [
        Problem("records", table, row_id, f"{label}{field}: {problem}") for field, problem in row_problems(model, data)
    ]


def _audit_row_problems(conn: sqlite3.Connection) -> list[Problem]:
    """The audit rows' own fields: a readable time and JSON before/after (their content is the chain's)."""
    rows = conn.execute(
        "SELECT id, json_valid(COALESCE(before, 'null')), json_valid(COALESCE(after, 'null')), "
        "datetime(at) IS NOT NULL FROM events WHERE NOT (json_valid(COALESCE(before, 'null')) "
        "AND json_valid(COALESCE(after, 'null')) AND datetime(at) IS NOT NULL) ORDER BY id LIMIT ?",
        (LISTED_PER_TABLE,),
    ).fetchall()
    problems = []
    for event_id, before_ok, after_ok, at_ok in rows:
        for ok, what in ((before_ok, "before: is not valid JSON"), (after_ok, "after: is not valid JSON")):
            if not ok:
                problems.append(Problem("records", "events", event_id, what))
        if not at_ok:
            problems.append(Problem("records", "events", event_id, "at: is not a date and time"))
    return problems


# Counts kept beside each requisition, and the recount each must equal.
_OPEN_DISPUTES = ", ".join(f"'{s}'" for s in sorted(str(s) for s in OPEN_DISPUTE_STATUSES))
DERIVED_COUNTS: dict[str, str] = {
    "submittals": "(SELECT COUNT(*) FROM pipeline_events e WHERE e.requisition_id = requisitions.id AND e.kind = 'submittal')",
    "last_submittal_at": (
        "(SELECT MAX(e.at) FROM pipeline_events e WHERE e.requisition_id = requisitions.id AND e.kind = 'submittal')"
    ),
    "open_disputes": (
        f"(SELECT COUNT(*) FROM disputes d WHERE d.requisition_id = requisitions.id AND d.status IN ({_OPEN_DISPUTES}))"
    ),
    "recruiter_name": "(SELECT p.name FROM people p WHERE p.id = requisitions.recruiter_id)",
}


def check_counts(conn: sqlite3.Connection) -> list[Problem]:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(requisitions)")}
    problems = []
    for column, recount in DERIVED_COUNTS.items():
        if column not in columns:
            continue
        wrong = conn.execute(
            f"SELECT id, code, {column}, {recount} FROM requisitions WHERE {column} IS NOT {recount} "
            "ORDER BY id LIMIT ?",
            (LISTED_PER_TABLE,),
        ).fetchall()
        for req_id, code, kept_value, counted in wrong:
            problems.append(
                Problem(
                    "counts",
                    "requisitions",
                    req_id,
                    f"({code}) {column} is {kept_value!r} but a recount gives {counted!r}",
                    repairable=True,
                )
            )
    return problems


def check_file(conn: sqlite3.Connection) -> list[Problem]:
    problems = [
        Problem("file", "", None, f"integrity check: {row[0]}")
        for row in conn.execute("PRAGMA integrity_check(20)")
        if row[0] != "ok"
    ]
    for table, row_id, parent, _fk in conn.execute("PRAGMA foreign_key_check").fetchall()[:LISTED_PER_TABLE]:
        problems.append(Problem("file", table, row_id, f"points at a {parent} record that does not exist"))
    return problems


CHECKS: tuple[tuple[str, Callable[[sqlite3.Connection], list[Problem]]], ...] = (
    ("file", check_file),
    ("schema", check_schema),
    ("search index", check_search_index),
    ("audit chain", check_audit_chain),
    ("records", check_records),
    ("counts", check_counts),
)


def run_checks(conn: sqlite3.Connection, against: audit.Head | None = None) -> list[Problem]:
    problems: list[Problem] = []
    for name, check in CHECKS:
        try:
            found = check_audit_chain(conn, against) if name == "audit chain" else check(conn)
        except sqlite3.DatabaseError as exc:
            found = [Problem(name, "", None, f"could not be checked: {exc}")]
        problems.extend(found)
    return problems


def repair(conn: sqlite3.Connection, problems: list[Problem]) -> list[str]:
    """Rebuilds what `problems` says can be rebuilt; the caller holds the transaction and took a backup.
    Returns what was done, in words."""
    done: list[str] = []
    expected, found = reference_schema(), _objects(conn)
    schema_fixes = [p for p in problems if p.check == "schema" and p.repairable]
    if schema_fixes:
        for kind, name in sorted(found):
            if kind in ("trigger", "view") and (kind, name) not in expected:
                conn.execute(f'DROP {kind.upper()} "{name}"')
                done.append(f"dropped the {kind} {name}, which is not part of this version's schema")
        for (kind, name), (_table, sql) in sorted(expected.items()):
            if kind == "table":
                continue
            current = found.get((kind, name))
            if current is not None and _normal(current[1]) == _normal(sql):
                continue
            if current is not None:
                conn.execute(f'DROP {kind.upper()} "{name}"')
            if sql:
                conn.execute(sql)
                done.append(f"{'re-created' if current is None else 'restored'} the {kind} {name}")
    if any(p.check == "search index" for p in problems) or ("table", FTS_TABLE) not in found:
        conn.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        conn.execute(expected[("table", FTS_TABLE)][1])
        conn.execute(REQUISITIONS_FTS_FILL)
        done.append("rebuilt the search index from the requisitions")
    return done


RECOUNTED = "recounted the submittals, open disputes and the facts kept beside each requisition"


def needs_recount(problems: list[Problem]) -> bool:
    return any(p.check == "counts" for p in problems)


def recount_statements(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, statement) that recount the facts kept beside each requisition and event; each
    statement recounts only the rows with :low < rowid <= :high (so a repair can recount in short
    transactions: each row's recount reads only other tables, or other rows of its own requisition)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(requisitions)")}
    sets = ", ".join(f"{column} = {recount}" for column, recount in DERIVED_COUNTS.items() if column in columns)
    statements = [f"UPDATE requisitions SET {sets}", *FACTS_BACKFILL_STATEMENTS]
    return [(_updated_table(statement), _bounded(_by_rowid(statement))) for statement in statements]


def _by_rowid(statement: str) -> str:
    """The UPDATE finding its rows by rowid only (NOT INDEXED): with an index on the column its own
    WHERE names (kind), SQLite would read every such row for each chunk instead of the chunk's range."""
    table = _updated_table(statement)
    head = f"UPDATE {table}"
    assert statement.startswith(head), statement
    return f"UPDATE {table} NOT INDEXED{statement[len(head) :]}"


def _updated_table(statement: str) -> str:
    words = statement.split()
    assert words[0].upper() == "UPDATE", statement
    return words[1]


def _bounded(statement: str) -> str:
    """`statement` (an UPDATE) limited to :low < rowid <= :high: its own WHERE (the first at the top
    level, outside every subquery) gets the bound added, or it gets one."""
    depth, i, upper = 0, 0, statement.upper()
    while i < len(statement):
        char = statement[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "'":
            i = statement.index("'", i + 1)
        elif depth == 0 and upper.startswith("WHERE", i) and not statement[i - 1 : i].isalnum():
            return f"{statement[:i]}WHERE ({statement[i + 5 :].strip()}) AND rowid > :low AND rowid <= :high"
        i += 1
    return f"{statement} WHERE rowid > :low AND rowid <= :high"


__all__ = ["Problem", "run_checks", "repair", "needs_recount", "recount_statements", "reference_schema", "CHECKS"]
