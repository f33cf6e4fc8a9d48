"""Damaged rows: stored rows that their model refuses (another tool or a bug wrote them).

A row with a status no model knows, a date that is not a date, JSON that does not parse or a title
far over its limit cannot become a record. The Store's readers skip such a row instead of failing
the whole read, and note it here: its table, id and code, the field and what is wrong with it —
never the value itself, which is the record's data (a title, a name) and would reach the user's
terminal or an export. Screens and exports say how many rows were left out and which, and point to
`mediate doctor`, which lists every one; the rows themselves are left as they are.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import threading
import time
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from mediation_console.db import models
from mediation_console.db.short_transactions import ChunkSizer
from mediation_console.db.text import inert_line

DOCTOR_HINT = "`mediate doctor` lists them"
# How many codes a one-line notice names before counting the rest.
NAMED_IN_NOTICE = 5
_PROBLEM_LENGTH = 100
_STORE_CODE = re.compile(r"[A-Z]{1,4}-[0-9]{1,9}")


@dataclass(frozen=True)
class DamagedRow:
    table: str
    row_id: int | None
    code: str | None
    field: str
    problem: str
    # Every (field, problem) the model found, worded as `mediate doctor` words them (`field` and
    # `problem` above are the first, with how many more); empty when only the first is known.
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def each(self) -> tuple[tuple[str, str], ...]:
        """Every (field, problem) of the row: what the console's list of damaged rows shows."""
        return self.problems or ((self.field, self.problem),)

    @property
    def label(self) -> str:
        """How the user finds it: its code, else its table and row id."""
        return self.code or f"{self.table} row {self.row_id}"

    def __str__(self) -> str:
        return f"{self.label} {self.field}: {self.problem}"


def problem_text(error: Any) -> str:
    """One pydantic error (of `ValidationError.errors()`) in words, without the value it refused."""
    problem = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str) and value.strip():
        # A check's own message may quote what it refused ("'x' is not an email address").
        problem = problem.replace(value.strip(), "…")
    return problem


def describe(error: BaseException) -> tuple[str, str]:
    """(field, problem) of a model's refusal, worded without the refused value."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "record"
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, json.JSONDecodeError):
            return field, "is not valid JSON"
        problem = problem_text(first)
        more = len(error.errors()) - 1
        if more:
            problem += f" (and {more} more problem{'s' if more != 1 else ''})"
    elif isinstance(error, json.JSONDecodeError):
        return "record", "is not valid JSON"
    else:
        field, problem = "record", type(error).__name__
    problem = str(inert_line(problem))
    if len(problem) > _PROBLEM_LENGTH:
        problem = problem[: _PROBLEM_LENGTH - 1] + "…"
    return field, problem


def problems_of(error: BaseException, field: str = "") -> tuple[tuple[str, str], ...]:
    """Every (field, problem) of a model's refusal, as `mediate doctor` words them, never the refused value."""
    if isinstance(error, ValidationError):
        found = []
        for each in error.errors():
            name = ".".join(str(part) for part in each["loc"]) or "record"
            if isinstance((each.get("ctx") or {}).get("error"), json.JSONDecodeError):
                found.append((name, "is not valid JSON"))
            else:
                found.append((name, str(inert_line(problem_text(each)))))
        return tuple(found)
    if isinstance(error, ValueError):  # json.JSONDecodeError: a JSON field that does not parse
        return ((field or "record", "is not valid JSON"),)
    return ((field or "record", type(error).__name__),)


def store_code(data: Mapping[str, Any]) -> str | None:
    code = data.get("code")
    # A code is the Store's own (REQ-0001, D-0001); anything else in its place is itself damage.
    return code if isinstance(code, str) and _STORE_CODE.fullmatch(code) else None


class DamageRegister:
    """The damaged rows a Store's reads have met since it opened (a row read cleanly again — repaired
    meanwhile — is taken off). Safe to use from the worker threads that read in the background."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, int | None], DamagedRow] = {}
        self._lock = threading.Lock()
        self._scanned: set[tuple[str, int | None]] = set()  # the rows the last scan found
        self.version = 0  # goes up with every change: a notice redraws only when it moved

    def record(self, table: str, data: Mapping[str, Any], error: BaseException, field: str = "") -> DamagedRow:
        """Notes the row `data` of `table` as damaged by `error` (`field` names it when the error cannot)."""
        found, problem = describe(error)
        field = field or found
        row_id = data.get("id")
        damaged = DamagedRow(
            table,
            row_id if isinstance(row_id, int) else None,
            store_code(data),
            field,
            problem,
            problems_of(error, field),
        )
        self.note(damaged)
        return damaged

    def record_problems(self, table: str, data: Mapping[str, Any], problems: list[tuple[str, str]]) -> DamagedRow:
        """Notes the row `data` of `table` as damaged by `problems` (of `row_problems`)."""
        field, problem = problems[0]
        if len(problem) > _PROBLEM_LENGTH:
            problem = problem[: _PROBLEM_LENGTH - 1] + "…"
        if len(problems) > 1:
            more = len(problems) - 1
            problem += f" (and {more} more problem{'s' if more != 1 else ''})"
        row_id = data.get("id")
        damaged = DamagedRow(
            table, row_id if isinstance(row_id, int) else None, store_code(data), field, problem, tuple(problems)
        )
        self.note(damaged)
        return damaged

    def note(self, damaged: DamagedRow) -> None:
        with self._lock:
            if self._rows.get((damaged.table, damaged.row_id)) != damaged:
                self._rows[(damaged.table, damaged.row_id)] = damaged
                self.version += 1

    def scanned(self, found: set[tuple[str, int | None]]) -> None:
        """After a scan (see `scan`): the rows an earlier scan noted that this one no longer finds were
        mended by another tool meanwhile, so they come off (rows a read noted stay until read cleanly)."""
        with self._lock:
            for key in self._scanned - found:
                if self._rows.pop(key, None) is not None:
                    self.version += 1
            self._scanned = set(found)

    def clear(self, table: str, row_id: Any) -> None:
        if not self._rows:
            return
        with self._lock:
            if self._rows.pop((table, row_id), None) is not None:
                self.version += 1

    def clear_all(self) -> None:
        with self._lock:
            if self._rows:
                self._rows.clear()
                self.version += 1

    def get(self, table: str, row_id: Any) -> DamagedRow | None:
        return self._rows.get((table, row_id))

    def rows(self, tables: tuple[str, ...] | None = None) -> list[DamagedRow]:
        with self._lock:
            found = list(self._rows.values())
        return [row for row in found if tables is None or row.table in tables]

    def __len__(self) -> int:
        return len(self._rows)


def notice(rows: list[DamagedRow], listed_by: str = DOCTOR_HINT) -> str:
    """One line for a screen: how many rows were left out, which, and where they are listed (`listed_by`)."""
    if not rows:
        return ""
    labels = sorted({row.label for row in rows})
    named = ", ".join(labels[:NAMED_IN_NOTICE])
    if len(labels) > NAMED_IN_NOTICE:
        named += f" and {len(labels) - NAMED_IN_NOTICE} more"
    n = len(rows)
    return (
        f"{n} damaged row{'s' if n != 1 else ''} left out ({named}): "
        f"{'they are' if n != 1 else 'it is'} left as stored; {listed_by}"
    )


def summary(rows: list[DamagedRow], limit: int = 10) -> str:
    """One line for a command's standard error: each damaged row's code and field, then where they are listed."""
    named = ", ".join(
        f"{row.label} ({row.field})" for row in sorted(rows, key=lambda r: (r.table, r.row_id or 0))[:limit]
    )
    if len(rows) > limit:
        named += f" and {len(rows) - limit} more"
    n = len(rows)
    return f"left out {n} damaged row{'s' if n != 1 else ''}: {named}; left as stored, {DOCTOR_HINT}"


# The records and the model each is read back through (the Store's readers, `scan` and doctor use them).
RECORD_MODELS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("people", models.Person),
    ("requisitions", models.Requisition),
    ("pipeline_events", models.PipelineEvent),
    ("disputes", models.Dispute),
    ("expectations", models.Expectation),
    ("commitments", models.Commitment),
    ("standups", models.Standup),
    ("standup_items", models.StandupItem),
)
# How many rows `scan` reads per table at most (a notice names five; `mediate doctor` lists them all).
SCANNED_PER_TABLE = 1000


def json_fields(model: type[BaseModel]) -> set[str]:
    """The fields stored as JSON text: those whose type is a list or a dict (optional or not)."""
    names = set()
    for name, info in model.model_fields.items():
        if any(typing.get_origin(option) in (list, dict) or option in (list, dict) for option in _options(info)):
            names.add(name)
    return names - {"items"}  # a standup's items are rows of standup_items, read there


def _options(info: FieldInfo) -> tuple[Any, ...]:
    annotation = info.annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return typing.get_args(annotation)
    return (annotation,)


def suspect_conditions(model: type[BaseModel], columns: set[str]) -> list[str]:
    """SQL conditions, one per field of `model` stored in `columns`, that hold for a row the model may
    refuse, read from the model's own fields: a value outside its enum, a date or time SQLite cannot
    parse, JSON that does not parse, a text over its max_length, a number out of its bounds or not a
    number, NULL where the field takes none. Wide on purpose: each row they find is then read through
    the model, which has the last word (a suspect row it accepts is not damaged)."""
    conditions = []
    for name, info in model.model_fields.items():
        if name not in columns or name == "id":
            continue
        options = _options(info)
        optional = type(None) in options
        kinds = [option for option in options if option is not type(None)]
        kind = kinds[0] if len(kinds) == 1 else None
        column = f'"{name}"'
        is_json = name in json_fields(model)
        found = [] if optional or is_json else [f"{column} IS NULL"]
        if is_json:
            found.append(f"NOT json_valid({column})")
        elif isinstance(kind, type) and issubclass(kind, enum.Enum):
            values = ", ".join("'" + str(member.value).replace("'", "''") + "'" for member in kind)
            found.append(f"{column} NOT IN ({values})")
        elif kind is dt.datetime:
            found.append(f"datetime({column}) IS NULL")
        elif kind is dt.date:
            found.append(f"date({column}) IS NULL")
        elif kind in (int, float):
            found.append(f"typeof({column}) NOT IN ('integer', 'real', 'null')")
        for rule in info.metadata:
            if (limit := getattr(rule, "max_length", None)) is not None:
                found.append(f"length({column}) > {int(limit)}")
            if (least := getattr(rule, "ge", None)) is not None:
                found.append(f"{column} < {least!r}")
            if (most := getattr(rule, "le", None)) is not None:
                found.append(f"{column} > {most!r}")
        if found:
            # NULL in an optional field is fine: only a value is judged.
            either = " OR ".join(found)
            conditions.append(f"({either})" if not optional else f"({column} IS NOT NULL AND ({either}))")
    return conditions


def row_problems(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (field, problem) for which `model` refuses the stored row `data` (empty when it accepts it),
    as `mediate doctor` lists them and the console's list of damaged rows shows them: a JSON field that
    does not parse, then what the model says of the rest (the JSON fields decoded first, as the Store's
    readers do; none stored reads as the field's default). Never the refused value."""
    problems = []
    for name in sorted(json_fields(model)):
        text = data.get(name)
        if text is None or text == "":
            data.pop(name, None)  # none stored: the Store reads it as empty (the field's default)
        elif isinstance(text, str):
            try:
                data[name] = json.loads(text)
            except ValueError:
                problems.append((name, "is not valid JSON"))
                data.pop(name)
    try:
        model.model_validate(data, context=models.STORED)
    except ValidationError as exc:
        problems.extend(problems_of(exc))
    return problems


# Rows (by id) one statement of `scan` reads at most: each is its own short read, so a scan of a big
# file never holds one snapshot for long (another process's writes can be checkpointed meanwhile) and
# it can stop or give way between two of them (`ScanControl`).
SCAN_CHUNK_IDS = 50_000
# What one statement aims to take (ChunkSizer sizes the next from the last): the longest a key the lead
# presses meets the scan's statement running on the other core, before the scan gives way.
SCAN_STATEMENT_SECONDS = 0.02
# How often a scan that gives way asks again whether the lead is still at work.
GIVE_WAY_POLL_SECONDS = 0.05
_LARGEST_ID = 2**63 - 1


class ScanStopped(Exception):
    """A scan was stopped before it ended (`ScanControl.stop`: the console is closing); it noted the rows
    it found so far and dropped none."""


class ScanControl:
    """Stops a running scan from another thread: between two of its statements, and the statement
    running then at once (the connection's interrupt). A new scan may start after a stop.

    `give_way()`, when set (the console: the lead pressed a key a moment ago), holds the scan between
    two statements for as long as it says so: a scan is background work, and on two cores its
    statements take the core a screen's figures would use (an early visit to the expectations waited
    ~100 ms longer beside it at 100,000 requisitions). `waited` is how long the last scan gave way."""

    def __init__(self, give_way: Callable[[], bool] | None = None) -> None:
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._conn: Any = None
        self.give_way = give_way
        self.waited = 0.0

    def start(self, conn: Any) -> None:
        with self._lock:
            self._stopped.clear()
            self._conn = conn
            self.waited = 0.0

    def wait_turn(self) -> None:
        """Between two statements: waits while `give_way()` says so (a stop ends the wait at once)."""
        give_way = self.give_way
        if give_way is None or not give_way():
            return
        started = time.monotonic()
        while not self._stopped.wait(GIVE_WAY_POLL_SECONDS) and give_way():
            pass
        self.waited += time.monotonic() - started

    def end(self) -> None:
        with self._lock:
            self._conn = None

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            if self._conn is not None:
                self._conn.interrupt()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()


def scan(
    conn: Any,
    register: DamageRegister,
    on_table: Callable[[str, float], None] | None = None,
    control: ScanControl | None = None,
    chunk: int = SCAN_CHUNK_IDS,
) -> int:
    """Notes in `register` the damaged rows of every record table, found by SQL (`suspect_conditions`)
    and confirmed by their model, without any screen reading them: a screen says at once that rows are
    left out, even rows no read of it has met yet (a bogus status hides a row from the open queue).
    Damage SQL cannot see (a check only the model makes) is noted when a read meets it. Rows an earlier
    scan noted that this one no longer finds were mended meanwhile and come off. Returns how many.

    Each table is read at most `chunk` ids at a time, one short statement each (sized to take about
    SCAN_STATEMENT_SECONDS). `control` (another thread's `stop`) ends it early with ScanStopped: the
    rows found so far are noted, none is dropped; its `give_way` holds it between two statements.
    `on_table(table, seconds)` hears how long each table took (bench/bench_damage_scan.py)."""
    found: set[tuple[str, int | None]] = set()
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table, model in RECORD_MODELS:
            if table not in tables:
                continue
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            conditions = suspect_conditions(model, columns)
            if not conditions:
                continue
            started = time.perf_counter()
            noted = 0
            sizer = ChunkSizer(chunk, least=min(chunk, 1_000), target=SCAN_STATEMENT_SECONDS)
            first = conn.execute(f"SELECT min(id) FROM {table}").fetchone()[0]
            while first is not None and noted < SCANNED_PER_TABLE:
                if control is not None:
                    control.wait_turn()
                    if control.stopped:
                        raise ScanStopped()
                last = min(first + sizer.size - 1, _LARGEST_ID)
                limit = SCANNED_PER_TABLE - noted
                with sizer.timed(sizer.size):
                    cursor = conn.execute(
                        f"SELECT * FROM {table} WHERE id BETWEEN ? AND ? AND ({' OR '.join(conditions)}) "
                        "ORDER BY id LIMIT ?",
                        (first, last, limit),
                    )
                    names = [column[0] for column in cursor.description]
                    rows = cursor.fetchall()
                if len(rows) == limit:
                    # Rows SQL suspects but their model accepts (another tool's integer times) can fill the
                    # limit: the range goes on after the last row read, not after its end.
                    last = rows[-1][names.index("id")]
                for values in rows:
                    data = dict(zip(names, values, strict=True))
                    problems = row_problems(model, data)
                    if not problems:
                        continue
                    damaged = register.record_problems(table, data, problems)
                    found.add((table, damaged.row_id))
                    noted += 1
                # The next stored id (not first + chunk: another tool may have written an id far past the rest).
                following = conn.execute(f"SELECT min(id) FROM {table} WHERE id > ?", (last,)).fetchone()[0]
                first = None if last == _LARGEST_ID else following
            if on_table is not None:
                on_table(table, time.perf_counter() - started)
    except Exception:
        if control is not None and control.stopped:
            raise ScanStopped() from None  # the statement running when it was stopped was interrupted
        raise
    register.scanned(found)
    return len(found)


class ScanPacer:
    """When a console may run the next scan: one at a time, and over time on at most `share` of one core.
    After a scan that took t seconds the next waits t x (1/share - 1): at share 0.1, 2.7 s after the
    0.3 s a 10,000-requisition file takes; a write noticed meanwhile makes one scan owed, run once due
    (`due`, asked on the console's timer), never a pile of them."""

    def __init__(self, share: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self._share, self._clock = share, clock
        self._lock = threading.Lock()
        self._running = self._owed = False
        self._not_before = 0.0

    def request(self) -> bool:
        """True when a scan should start now (the caller runs it, then calls `done`); else one is owed."""
        with self._lock:
            if self._running or self._clock() < self._not_before:
                self._owed = True
                return False
            self._running, self._owed = True, False
            return True

    def done(self, took: float) -> None:
        with self._lock:
            self._running = False
            self._not_before = self._clock() + took * (1 / self._share - 1)

    def due(self) -> bool:
        """A scan is owed and may start now."""
        with self._lock:
            return self._owed and not self._running and self._clock() >= self._not_before
