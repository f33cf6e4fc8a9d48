"""The Store: the only code that speaks SQL. Opens, migrates and guards the file; returns models."""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import json
import operator
import os
import sqlite3
import stat
import statistics
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mediation_console.db import audit as audit_chain
from mediation_console.db import doctor as doctor_checks
from mediation_console.db import safe_file
from mediation_console.db.damage import DamagedRow, DamageRegister
from mediation_console.db.defaults import (
    CLIENT_FEEDBACK_WITHIN_HOURS,
    FIRST_SUBMITTAL_A,
    FIRST_SUBMITTAL_B,
    INTAKE_WITHIN_HOURS,
    NO_STALE_REQUISITION_DAYS,
    PROMISE_NOT_BEFORE_ESTIMATE,
)
from mediation_console.db.models import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUSES,
    OPEN_DISPUTE_STATUSES,
    OPEN_STATUSES,
    REASON_REQUIRED,
    REQUISITION_DERIVED,
    STORED,
    AuditEvent,
    Commitment,
    CommitmentStatus,
    Dispute,
    DisputeStatus,
    Engagement,
    EventKind,
    Expectation,
    ExpectationStatus,
    MetricBreach,
    Person,
    PipelineEvent,
    PlacementCredit,
    Record,
    Requisition,
    RequisitionRow,
    RequisitionStatus,
    Standup,
    StandupItem,
    Team,
    check_credit_splits,
    edited_fields,
)
from mediation_console.db.schema import SCHEMA_VERSION, run_migration
from mediation_console.db.short_transactions import ShortTransactions

M = TypeVar("M", bound=Record)
T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
# Tables every Mediation Console file has; a file with other tables and none of these is foreign.
OUR_TABLES = {"people", "requisitions", "events"}


class StoreError(Exception):
    """A problem with the database file, worded for the person at the keyboard."""


class NewerSchemaError(StoreError):
    pass


class BackgroundReadInterrupted(StoreError):
    """A background read was stopped by `Store.interrupt_background_reads` (its answer is no longer wanted)."""


class RejectedChange(StoreError):
    """A change the rules of the domain do not allow (e.g. a status move that is not offered)."""


class DamagedRecord(RejectedChange):
    """A change to a stored row that its model refuses (see db.damage): it is left as it is."""

    def __init__(self, damaged: DamagedRow | None) -> None:
        damaged = damaged or DamagedRow("", None, "A record", "record", "its model refuses it")
        super().__init__(
            f"{damaged.label} is damaged ({damaged.field}: {damaged.problem}) and is left as it is; "
            "`mediate doctor` lists it"
        )
        self.damaged = damaged


class EditConflict(RejectedChange):
    """The record changed since the user started editing it: nothing was saved. `current` is the
    record as it is now, `theirs` the fields changed meanwhile, so the form can re-apply the user's own."""

    def __init__(self, message: str, current: Any, theirs: list[str]) -> None:
        super().__init__(message)
        self.current = current
        self.theirs = theirs


def _shown(value: Any) -> str:
    text = "(empty)" if value in (None, "") else str(getattr(value, "value", value))
    return f"“{text[:40]}…”" if len(text) > 40 else f"“{text}”"


# The records an edit can carry a version of: their table, audit entity and name in messages.
_EDITED: dict[type[Record], tuple[str, str, str]] = {
    Requisition: ("requisitions", "requisition", "Requisition"),
    Dispute: ("disputes", "dispute", "Dispute"),
    Expectation: ("expectations", "expectation", "Expectation"),
    Commitment: ("commitments", "commitment", "Commitment"),
    Person: ("people", "person", "Person"),
}


# The table each record is read from, for naming a damaged row (db.damage).
_TABLES: dict[type[Record], str] = {
    **{model: names[0] for model, names in _EDITED.items()},
    PipelineEvent: "pipeline_events",
    AuditEvent: "events",
    Standup: "standups",
    StandupItem: "standup_items",
}


def _label(record: Record) -> str:
    """How a message names the record: its code, else what it is and its title, text or name."""
    code = getattr(record, "code", None)
    if code:
        return str(code)
    what = _EDITED[type(record)][2]
    return f"{what} {_shown(getattr(record, 'title', None) or getattr(record, 'text', None) or getattr(record, 'name', ''))}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _to_sql(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _checked(model: M) -> M:
    """Refuses a record that its own model would refuse when read back (`model_copy` skips
    validation), so no change -- an over-long reason, an unencodable character -- can make a
    stored record unreadable."""
    try:
        type(model).model_validate(model.model_dump(), context=STORED)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = " ".join(str(part) for part in error["loc"]).replace("_", " ").strip()
        message = str(error["msg"]).removeprefix("Value error, ")
        raise RejectedChange(f"{where.capitalize()}: {message}" if where else message) from None
    return model


def _julian(moment: dt.datetime) -> float:
    """SQLite's julianday() of a naive timestamp, computed once in Python instead of per row."""
    return (moment - dt.datetime(1970, 1, 1)).total_seconds() / 86400 + 2440587.5


def _jsonable(model: BaseModel | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump(mode="json")


@dataclass
class QueueQuery:
    """What the queue shows: text filter, quick filters and sort — all applied in SQLite."""

    text: str = ""
    statuses: Sequence[str] = ()
    open_only: bool = False
    person_id: int | None = None
    at_risk_only: bool = False
    sort: str = "code"
    descending: bool = False
    today: dt.date | None = None


# Sort keys the queue offers, mapped to SQL expressions over the joined row.
QUEUE_SORTS = {
    "code": "r.id",
    "title": "r.title COLLATE NOCASE",
    "client": "r.client COLLATE NOCASE",
    "sales_owner": "s.name COLLATE NOCASE",
    "recruiter": "r.recruiter_name COLLATE NOCASE",  # kept by triggers (migration 5) so an index gives the order
    "status": "r.status",
    "grade": "r.score",
    "days_open": "r.opened_at",
    "promised": "r.promised_date",
    "submittals": "r.submittals",
    "open_disputes": "r.open_disputes",
}


def fts_query(text: str) -> str:
    """Turns typed text into an FTS5 query: every word must match as a prefix, quotes made inert."""
    words = []
    for raw in text.replace("-", " ").split():
        word = "".join(ch for ch in raw if ch.isalnum())
        if word:
            words.append(f'"{word}"*')
    return " ".join(words)


@dataclass
class DoctorReport:
    path: str
    ok: bool
    integrity: str
    schema_version: int
    journal_mode: str
    foreign_keys: bool
    mode: str
    readable_by_others: bool
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # What the checks of db/doctor.py found: the table, the row and what is wrong with each.
    problems: list[doctor_checks.Problem] = field(default_factory=list)
    audit_head: str = ""
    repaired: list[str] = field(default_factory=list)
    repair_backup: Path | None = None


class Store:
    """One open database file. Every write goes through `transaction()` and is audited in it."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        readonly: bool = False,
        now: Callable[[], dt.datetime] = utcnow,
        actor: str = "lead",
        on_create: Callable[[Store], None] | None = None,
    ) -> None:
        """`on_create(store)` fills a new database in the transaction that creates its schema (the core
        proposes the default expectations so), so a crash leaves all of it or none."""
        self.path = Path(path)
        self._on_create = on_create
        self.now = now
        self.actor = actor
        self.readonly = readonly
        self.backup_path: Path | None = None
        self._depth = 0
        self._rollbacks = 0  # transactions rolled back: part of table_versions()
        self._created = False
        # A second, read-only connection for worker threads, opened on first use (see _background_read).
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()
        self._people_cache: tuple[Any, list[Person]] | None = None
        # Rows the reads skipped because their model refuses them (db.damage): screens show them.
        self.damage = DamageRegister()
        try:
            self.conn = self._connect()
        except BaseException:
            self._remove_if_created()
            raise
        try:
            self._check_and_migrate()
        except BaseException:
            self.conn.close()
            self._remove_if_created()
            raise

    def _remove_if_created(self) -> None:
        # A file this Store created but could not set up (a full disk) is not left behind half-made.
        if self._created:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    # -- opening -------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        path = self.path
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a database file")
        if not path.parent.exists():
            raise StoreError(f"The folder {path.parent} does not exist")
        if path.exists():
            if not os.access(path, os.R_OK):
                raise StoreError(f"{path} cannot be read (permission denied)")
            owner_can_write = bool(os.stat(path).st_mode & stat.S_IWUSR)
            if not self.readonly and not (
                owner_can_write and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
            ):
                # Open what we can rather than refuse: the app shows a read-only banner.
                self.readonly = True
            with open(path, "rb") as handle:
                header = handle.read(16)
            if header and header != b"SQLite format 3\x00":
                raise StoreError(f"{path} is not a Mediation Console database (not an SQLite file)")
            if not header and self.readonly:
                raise StoreError(f"{path} is empty and read-only, so it cannot be set up")
            if not header:
                # A zero-byte file is a new database: it becomes private, like one created here.
                try:
                    os.chmod(path, 0o600)
                except OSError:
                    pass
        else:
            if self.readonly:
                raise StoreError(f"{path} does not exist")
            if not os.access(path.parent, os.W_OK):
                raise StoreError(f"Cannot create {path}: the folder is not writable")
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            self._created = True
        try:
            if self.readonly:
                # A WAL file needs its -shm beside it even to be read; where the folder cannot be
                # written (a read-only mount) SQLite can only read it as an immutable file.
                immutable = "" if os.access(path.parent, os.W_OK) else "&immutable=1"
                conn = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro{immutable}",
                    uri=True,
                    isolation_level=None,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    check_same_thread=False,
                )
            else:
                conn = sqlite3.connect(
                    path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
                )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} cannot be opened as a database: {exc}") from None
        return conn

    def _check_and_migrate(self) -> None:
        try:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a usable database: {exc}") from None
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{self.path} was written by a newer Mediation Console (schema {version}; this one "
                f"knows {SCHEMA_VERSION}). Upgrade the console; the file was not changed."
            )
        if version == 0 and tables:
            raise StoreError(
                f"{self.path} is a database of another application (tables: "
                f"{', '.join(sorted(tables)[:5])}); it was not changed"
            )
        if version > 0 and not OUR_TABLES <= tables:
            raise StoreError(f"{self.path} is damaged: the tables {sorted(OUR_TABLES - tables)} are missing")
        if not self.readonly:
            # Only now, once the file is known to be ours, switch it to WAL (this writes its header).
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"Cannot prepare {self.path} for writing: {exc}") from None
        if version == SCHEMA_VERSION:
            return
        if self.readonly:
            raise StoreError(
                f"{self.path} needs upgrading from schema {version} to {SCHEMA_VERSION}, but it is read-only"
            )
        if version > 0:
            self.backup_path = self._pre_migration_backup(version)
        self._migrate(version)

    def _pre_migration_backup(self, version: int) -> Path:
        stamp = self.now().strftime("%Y%m%dT%H%M%S")
        dest = self.path.with_name(f"{self.path.name}.schema{version}-{stamp}.bak")
        self.backup(dest)
        return dest

    def _migrate(self, version: int) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            # Another process may have set the file up while this one waited for the write lock.
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            for number in range(version, SCHEMA_VERSION):
                run_migration(self.conn, number)
            if version == 0 and self._on_create is not None:
                # What a new database starts with goes in the same transaction as the schema.
                self._depth = 1
                try:
                    self._on_create(self)
                finally:
                    self._depth = 0
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                if "full" in str(exc).lower():
                    raise StoreError(f"Cannot set up {self.path}: the disk is full") from None
                raise StoreError(f"Cannot set up {self.path}: {exc}") from None
            raise

    def close(self) -> None:
        reader, self._reader = self._reader, None
        for conn in (reader, self.conn):
            try:
                if conn is not None:
                    conn.close()
            except sqlite3.Error:
                pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and audit -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One unit of work; nested calls join the outer transaction."""
        if self.readonly:
            raise StoreError("This database is open read-only; nothing can be changed")
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"The database is busy or unavailable: {exc}") from None
        self._depth = 1
        try:
            yield self.conn
        except BaseException as exc:
            self._depth = 0
            # SQLite rolls back by itself after some failures (a full disk); only roll back what is open.
            # Counted once it is rolled back: a stamp read before then is of the uncommitted data.
            try:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
            finally:
                self._rollbacks += 1
            if isinstance(exc, sqlite3.OperationalError):
                raise StoreError(_unsaved(exc)) from None
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            try:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
            finally:
                self._rollbacks += 1
            raise StoreError(_unsaved(exc)) from None

    def audit(
        self,
        entity: str,
        entity_id: int | None,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        assert self._depth, "the audit log is written inside the change's transaction"
        audit_chain.append(
            self.conn,
            [
                (
                    _to_sql(self.now()),
                    self.actor,
                    entity,
                    entity_id,
                    action,
                    None if before is None else json.dumps(before, default=str),
                    None if after is None else json.dumps(after, default=str),
                )
            ],
        )

    # -- generic helpers -------------------------------------------------------------------------

    def _columns(self, table: str) -> list[str]:
        cache = self.__dict__.setdefault("_column_cache", {})
        if table not in cache:
            cache[table] = [row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")]
        return cache[table]

    def _row_values(self, table: str, model: BaseModel, skip: Sequence[str] = ("id",)) -> dict[str, Any]:
        columns = set(self._columns(table))
        data = {}
        for name in type(model).model_fields:
            if name in columns and name not in skip:
                value = getattr(model, name)
                if isinstance(value, list):
                    value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
                data[name] = _to_sql(value)
        return data

    def _insert(self, table: str, model: M, entity: str) -> M:
        _checked(model)
        values = self._row_values(table, model, skip=("id",) if model.id is None else ())
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.transaction():
            try:
                cursor = self.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(values.values()))
            except sqlite3.IntegrityError as exc:
                raise RejectedChange(_conflict(exc, entity)) from None
            stored = model.model_copy(update={"id": cursor.lastrowid})
            self.audit(entity, stored.id, "create", None, _jsonable(stored))
        return stored

    def _update(
        self, table: str, model: M, before: M, entity: str, action: str = "update", fields: list[str] | None = None
    ) -> M:
        """Writes `model` over `before`; the audit row holds `fields` only when given (what the user changed)."""
        _checked(model)
        skip = ("id", *REQUISITION_DERIVED) if table == "requisitions" else ("id",)
        values = self._row_values(table, model, skip=skip)
        sets = ", ".join(f"{name} = ?" for name in values)
        with self.transaction():
            try:
                self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), model.id))
            except sqlite3.IntegrityError as exc:
                raise RejectedChange(_conflict(exc, entity)) from None
            old, new = before.model_dump(mode="json"), model.model_dump(mode="json")
            if fields is not None:
                old, new = {k: old.get(k) for k in fields}, {k: new.get(k) for k in fields}
            self.audit(entity, model.id, action, old, new)
        return model

    def _get(self, model: type[M], table: str, id_: int) -> M | None:
        """The record, or None when there is none or it is damaged (then noted in `self.damage`)."""
        row = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (id_,)).fetchone()
        return None if row is None else self._model(model, table, dict(row))

    def _model(self, model: type[M], table: str, data: dict[str, Any]) -> M | None:
        """`data` (a stored row) as its model, or None when the model refuses it: the row is damaged
        (another tool or a bug wrote it), noted in `self.damage` and skipped, never a crash."""
        try:
            record = model.model_validate(data, context=STORED)
        except ValidationError as exc:
            self.damage.record(table, data, exc)
            return None
        self.damage.clear(table, data.get("id"))
        return record

    def _require(self, model: type[M], table: str, id_: int | None, what: str) -> M:
        if id_ is None:
            raise RejectedChange(f"{what} has not been saved yet")
        found = self._get(model, table, id_)
        if found is None and (damaged := self.damage.get(table, id_)) is not None:
            raise DamagedRecord(damaged)
        if found is None:
            raise RejectedChange(f"{what} {id_} does not exist")
        return found

    def _list(self, model: type[M], sql: str, params: Sequence[Any] = ()) -> list[M]:
        table = _TABLES.get(model, model.__name__)
        return [r for r in (self._model(model, table, dict(row)) for row in self.conn.execute(sql, params)) if r]

    # -- versioned edits: a save over a newer version is refused, never silently overwrites ----------

    def _edit(self, edited: M, started_from: M | None) -> tuple[M, M, list[str] | None]:
        """Inside the caller's transaction: the record as stored, what to write over it, and the fields
        the user changed (None when the caller gave no `started_from`: `edited` is written as it is).

        `started_from` is the version the user's form or screen showed them. When the stored record
        differs from it (another console, the CLI saved meanwhile) nothing is written: EditConflict
        names the fields changed, by whom and when. Otherwise only the fields the user changed from
        `started_from` are applied, onto the record as it is now."""
        table, entity, what = _EDITED[type(edited)]
        before = self._require(type(edited), table, edited.id, what)
        if started_from is None:
            return before, edited, None
        self._refuse_if_changed(before, started_from)
        mine = edited_fields(started_from, edited)
        return before, before.model_copy(update={name: getattr(edited, name) for name in mine}), mine

    def _refuse_if_changed(self, now: Record, started_from: Record | None, *, action: bool = False) -> None:
        """EditConflict when `now` (the stored record) is not the version the user started from.
        `action` words it for a status move (a key pressed on a list) rather than a form's save."""
        if started_from is None:
            return
        theirs = edited_fields(started_from, now)
        if not theirs:
            return
        _table, entity, _what = _EDITED[type(now)]
        row = self.conn.execute(
            "SELECT actor, at FROM events WHERE entity = ? AND entity_id = ? ORDER BY id DESC LIMIT 1",
            (entity, now.id),
        ).fetchone()
        who = f" by {row['actor'] or 'someone'} at {str(row['at'])[:16]}" if row is not None else ""
        changes = "; ".join(
            f"{name.replace('_', ' ')}: {_shown(getattr(started_from, name))} → {_shown(getattr(now, name))}"
            for name in theirs[:6]
        )
        more = f" and {len(theirs) - 6} more" if len(theirs) > 6 else ""
        advice = (
            "it now shows as it is; do it again if it still applies."
            if action
            else "save again to apply your own changes on top, or close the form to keep theirs."
        )
        message = f"{_label(now)} was changed since you opened it{who} ({changes}{more}). Nothing was saved: {advice}"
        raise EditConflict(message, now, theirs)

    # -- people ----------------------------------------------------------------------------------

    def add_person(self, person: Person) -> Person:
        with self.transaction():
            self._check_person_is_new(person)
            return self._insert("people", person, "person")

    def add_people(self, people: Sequence[Person]) -> list[Person]:
        """Adds them all, each audited, in one transaction: all or none."""
        with self.transaction():
            return [self.add_person(person) for person in people]

    def update_person(self, person: Person, started_from: Person | None = None) -> Person:
        """Saves an edited person; with `started_from`, as `update_requisition` (refused over a newer version)."""
        with self.transaction():
            before, person, mine = self._edit(person, started_from)
            if mine is None:
                mine = [name for name in Person.model_fields if getattr(before, name) != getattr(person, name)]
            if not mine:
                return before
            self._check_person_is_new(person)
            return self._update("people", person, before, "person", fields=mine)

    def _check_person_is_new(self, person: Person) -> None:
        """The name and the email belong to nobody else (whatever their case): said in words, by field."""
        same_name = self.person_by_name(person.name)
        if same_name is not None and same_name.id != person.id:
            raise RejectedChange(f"There is already someone called {same_name.name}")
        if person.email:
            same_email = self.person_by_email(person.email)
            if same_email is not None and same_email.id != person.id:
                raise RejectedChange(f"{same_email.name} already has the email {same_email.email}")

    def get_person(self, person_id: int) -> Person | None:
        return self._get(Person, "people", person_id)

    def person_by_name(self, name: str) -> Person | None:
        row = self.conn.execute("SELECT * FROM people WHERE name = ? COLLATE NOCASE", (name.strip(),)).fetchone()
        return None if row is None else self._model(Person, "people", dict(row))

    def person_by_email(self, email: str) -> Person | None:
        row = self.conn.execute("SELECT * FROM people WHERE email = ? COLLATE NOCASE", (email.strip(),)).fetchone()
        return None if row is None else self._model(Person, "people", dict(row))

    def list_people(self, team: Team | str | None = None, active_only: bool = False) -> list[Person]:
        people = self._all_people()
        if team:
            people = [p for p in people if p.team == str(team)]
        if active_only:
            people = [p for p in people if p.active]
        return list(people)

    def database_id(self) -> str:
        """This file's own identity (random, made when the file was set up): calendar UIDs carry it, so
        the exports of two teams never collide in one calendar. A backup keeps it: it is the same data."""
        row = self.conn.execute("SELECT uuid FROM database_identity WHERE singleton = 1").fetchone()
        return str(row[0]) if row else "unidentified"

    def table_versions(self, *tables: str) -> tuple[int, ...]:
        """A stamp of these tables (of db.schema.VERSIONED_TABLES) that changes whenever any connection
        changes one of them: a cache worked out from them is current while the stamp is the same.

        It is the tables' change counts (schema migration 13) and this Store's count of rolled-back
        transactions: counts that went up inside one and back down must not match a later change."""
        found = dict(
            self.conn.execute(
                f"SELECT table_name, version FROM data_versions WHERE table_name IN ({','.join('?' for _ in tables)})",
                tables,
            ).fetchall()
        )
        return (self._rollbacks, *(found[table] for table in tables))

    def _all_people(self) -> list[Person]:
        # Every screen asks for the people (names for ids); a large firm has thousands, and validating
        # them costs ~50 ms a time. Kept until the people table changes, whoever changes it.
        version = self.table_versions("people")
        cached = self._people_cache
        if cached is None or cached[0] != version:
            people = self._list(Person, "SELECT * FROM people ORDER BY name COLLATE NOCASE")
            self._people_cache = cached = (version, people)
        return cached[1]

    def people_by_id(self) -> dict[int, Person]:
        return {p.saved_id: p for p in self.list_people()}

    # -- requisitions ----------------------------------------------------------------------------

    def _check_people(self, req: Requisition) -> None:
        owner = self.get_person(req.sales_owner_id)
        if owner is None:
            raise RejectedChange("The sales owner does not exist")
        if req.recruiter_id is not None and self.get_person(req.recruiter_id) is None:
            raise RejectedChange("The recruiter does not exist")

    def add_requisition(self, req: Requisition) -> Requisition:
        now = self.now()
        with self.transaction():
            self._check_people(req)
            next_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM requisitions").fetchone()[0]
            req = req.model_copy(
                update={
                    "id": next_id,
                    "code": f"REQ-{next_id:04d}",
                    "opened_at": req.opened_at or now,
                    "updated_at": now,
                    "closed_at": req.closed_at if req.status in CLOSED_STATUSES else None,
                }
            )
            return self._insert("requisitions", req, "requisition")

    def update_requisition(self, req: Requisition, started_from: Requisition | None = None) -> Requisition:
        """Saves edited fields. Status moves go through `change_status` so they are checked.

        `started_from` is the version the user began editing: when the stored record has changed since
        (another console, an import), nothing is saved and EditConflict says what changed, by whom;
        otherwise only the fields the user changed are written (and audited) onto the record as it is."""
        with self.transaction():
            before, req, mine = self._edit(req, started_from)
            if mine == []:
                return before
            if req.status != before.status:
                raise RejectedChange("Change the status with the status action, not by editing")
            self._check_people(req)
            req = req.model_copy(update={"updated_at": self.now(), "code": before.code})
            return self._update("requisitions", req, before, "requisition", fields=mine)

    def get_requisition(self, req_id: int) -> Requisition | None:
        return self._get(Requisition, "requisitions", req_id)

    def requisition_by_code(self, code: str) -> Requisition | None:
        row = self.conn.execute("SELECT * FROM requisitions WHERE code = ? COLLATE NOCASE", (code.strip(),)).fetchone()
        return None if row is None else self._model(Requisition, "requisitions", dict(row))

    def requisition_by_external_id(self, external_id: str) -> Requisition | None:
        row = self.conn.execute("SELECT * FROM requisitions WHERE external_id = ?", (external_id,)).fetchone()
        return None if row is None else self._model(Requisition, "requisitions", dict(row))

    def change_status(
        self, req_id: int, to: RequisitionStatus | str, reason: str = "", actor_id: int | None = None
    ) -> Requisition:
        to = RequisitionStatus(to)
        reason = reason.strip()
        with self.transaction():
            before = self._require(Requisition, "requisitions", req_id, "Requisition")
            if to not in ALLOWED_TRANSITIONS[before.status]:
                raise RejectedChange(f"{before.code} cannot move from {before.status} to {to}")
            if to in REASON_REQUIRED and not reason:
                raise RejectedChange(f"Say why the requisition is {to}")
            now = self.now()
            after = before.model_copy(
                update={
                    "status": to,
                    "updated_at": now,
                    "closed_at": now if to in CLOSED_STATUSES else None,
                    "status_reason": reason if to in REASON_REQUIRED or reason else before.status_reason,
                    "intake_at": before.intake_at or (now if to == RequisitionStatus.QUALIFIED else None),
                }
            )
            self._update("requisitions", after, before, "requisition", action="status")
            self._add_event(
                PipelineEvent(
                    requisition_id=req_id,
                    kind=EventKind.STATUS_CHANGE,
                    at=now,
                    actor_id=actor_id,
                    note=reason,
                    from_status=before.status,
                    to_status=to,
                )
            )
        return after

    def _add_event(self, event: PipelineEvent) -> PipelineEvent:
        stored = self._insert("pipeline_events", event, "pipeline_event")
        if event.kind == EventKind.SUBMITTAL:
            self.conn.execute(
                "UPDATE requisitions SET submittals = submittals + 1, "
                "last_submittal_at = MAX(COALESCE(last_submittal_at, ''), ?) WHERE id = ?",
                (_to_sql(event.at), event.requisition_id),
            )
        return stored

    def add_pipeline_event(self, event: PipelineEvent) -> PipelineEvent:
        """Logs something that happened on a requisition (status changes use `change_status`)."""
        if event.kind == EventKind.STATUS_CHANGE:
            raise RejectedChange("Use the status action to change a requisition's status")
        with self.transaction():
            req = self._require(Requisition, "requisitions", event.requisition_id, "Requisition")
            stored = self._add_event(event)
            self.conn.execute("UPDATE requisitions SET updated_at = ? WHERE id = ?", (_to_sql(self.now()), req.id))
        return stored

    def list_pipeline_events(self, req_id: int) -> list[PipelineEvent]:
        return self._list(
            PipelineEvent, "SELECT * FROM pipeline_events WHERE requisition_id = ? ORDER BY at, id", (req_id,)
        )

    # -- placement credit (migration 18) ------------------------------------------------------------

    def record_placement(
        self, event: PipelineEvent, credits: Sequence[PlacementCredit]
    ) -> tuple[PipelineEvent, list[PlacementCredit]]:
        """Logs a placement and who gets its credit, in one transaction: both or neither."""
        if event.kind != EventKind.PLACEMENT:
            raise RejectedChange("Credit is recorded on a placement")
        if credits and not event.participants:
            event = event.model_copy(update={"participants": list(dict.fromkeys(c.person_id for c in credits))})
        with self.transaction():
            stored = self.add_pipeline_event(event)
            given = self.set_placement_credits(stored.requisition_id, credits, placement_event_id=stored.id)
        return stored, given

    def set_placement_credits(
        self,
        requisition_id: int,
        credits: Sequence[PlacementCredit],
        placement_event_id: int | None = None,
        note: str = "",
    ) -> list[PlacementCredit]:
        """Records (or replaces) who gets the credit for a placement, with one audit row holding the credit
        before and after. The splits must add up to 100 % (`check_credit_splits`); everyone credited must be
        in the team; `placement_event_id`, when given, is a placement on this requisition."""
        with self.transaction():
            req = self._require(Requisition, "requisitions", requisition_id, "Requisition")
            if placement_event_id is not None:
                row = self.conn.execute(
                    "SELECT kind FROM pipeline_events WHERE id = ? AND requisition_id = ?",
                    (placement_event_id, requisition_id),
                ).fetchone()
                if row is None or row[0] != EventKind.PLACEMENT.value:
                    raise RejectedChange(f"Event {placement_event_id} is not a placement on {req.code}")
            wanted = [
                c.model_copy(
                    update={
                        "requisition_id": requisition_id,
                        "placement_event_id": placement_event_id,
                        "recorded_at": self.now(),
                        "note": c.note or note,
                        "id": None,
                    }
                )
                for c in credits
            ]
            try:
                check_credit_splits(wanted)
            except ValueError as exc:
                raise RejectedChange(str(exc)) from None
            for credit in wanted:
                _checked(credit)
                person = self._get(Person, "people", credit.person_id)
                if person is None:
                    raise RejectedChange(f"Person {credit.person_id} is not in the team")
            before = self._credits_of(requisition_id, placement_event_id)
            self.conn.execute(
                "DELETE FROM placement_credits WHERE requisition_id = ? AND placement_event_id IS ?",
                (requisition_id, placement_event_id),
            )
            stored = []
            for credit in wanted:
                values = self._row_values("placement_credits", credit)
                cursor = self.conn.execute(
                    f"INSERT INTO placement_credits ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
                    tuple(values.values()),
                )
                stored.append(credit.model_copy(update={"id": cursor.lastrowid}))

            def shown(found: Sequence[PlacementCredit]) -> list[dict[str, Any]]:
                return [{"person_id": c.person_id, "role": c.role.value, "split_pct": c.split_pct} for c in found]

            self.audit(
                "placement_credit",
                requisition_id,
                "credit" if not before else "recredit",
                {"placement_event_id": placement_event_id, "credits": shown(before)} if before else None,
                {"placement_event_id": placement_event_id, "credits": shown(stored)},
            )
        return stored

    def placement_credits(self, requisition_id: int) -> list[PlacementCredit]:
        """The credits recorded on a requisition's placements, placement by placement, largest split first."""
        return self._list(
            PlacementCredit,
            "SELECT * FROM placement_credits WHERE requisition_id = ? ORDER BY placement_event_id, split_pct DESC, id",
            (requisition_id,),
        )

    def _credits_of(self, requisition_id: int, placement_event_id: int | None) -> list[PlacementCredit]:
        return self._list(
            PlacementCredit,
            "SELECT * FROM placement_credits WHERE requisition_id = ? AND placement_event_id IS ? "
            "ORDER BY split_pct DESC, id",
            (requisition_id, placement_event_id),
        )

    def rule_records(self) -> dict[str, tuple[int, int, int]]:
        """Per proposal rule: (disputes resolved by accepting it, their commitments kept, missed)."""
        rows = self.conn.execute(
            "SELECT d.proposal_id, COUNT(DISTINCT d.id), "
            "COALESCE(SUM(c.status = 'kept'), 0), COALESCE(SUM(c.status = 'missed'), 0) "
            "FROM disputes d LEFT JOIN commitments c ON c.dispute_id = d.id "
            "WHERE d.status = 'resolved' AND d.proposal_id IS NOT NULL GROUP BY d.proposal_id"
        )
        return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}

    def resolved_disputes_stamp(self) -> tuple[int, str | None]:
        """How many disputes are resolved and the latest close: with the commitments' change count, says
        when the rules' record of accepted proposals must be read again."""
        row = self.conn.execute("SELECT COUNT(*), MAX(closed_at) FROM disputes WHERE status = 'resolved'").fetchone()
        return int(row[0]), row[1]

    def iter_requisitions(self, batch: int = 5000, open_only: bool = False) -> Iterator[Requisition]:
        statuses = ",".join(f"'{s}'" for s in sorted(OPEN_STATUSES))
        status_clause = f"status IN ({statuses}) AND " if open_only else ""
        last = 0
        while True:
            rows = self.conn.execute(
                f"SELECT * FROM requisitions WHERE {status_clause}id > ? ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            for row in rows:
                if (req := self._model(Requisition, "requisitions", dict(row))) is not None:
                    yield req
            last = rows[-1]["id"]

    def has_ungraded(self) -> bool:
        """Whether a requisition has no grade yet (grading was interrupted); the grade index answers."""
        return self.conn.execute("SELECT EXISTS(SELECT 1 FROM requisitions WHERE grade IS NULL)").fetchone()[0] == 1

    def set_derived(self, figures: Sequence[tuple[int | None, str | None, int | None, int]]) -> None:
        """Stores (score, grade, estimate_days, id) computed by the rules module; not audited: derived."""
        if self.readonly:
            return
        # In short transactions: a regrade of every requisition after a big import must not hold the
        # write lock for seconds while the lead saves a change (each row touches several indexes).
        with self.transaction() if self._depth else ShortTransactions(self) as batches:
            for start in range(0, len(figures), self._DERIVED_CHUNK):
                if isinstance(batches, ShortTransactions):
                    batches.checkpoint()
                self.conn.executemany(
                    "UPDATE requisitions SET score = ?, grade = ?, estimate_days = ? WHERE id = ?",
                    figures[start : start + self._DERIVED_CHUNK],
                )

    _DERIVED_CHUNK = 250

    def set_estimates(self, estimates: Mapping[tuple[str, str], int], default_days: int) -> int:
        """Sets each requisition's estimate_days to its (grade, engagement)'s figure (`default_days` if
        none), in one pass that writes only the rows whose estimate changes; returns how many did.
        Not audited: derived, like `set_derived`."""
        if self.readonly:
            return 0
        pick = (
            "COALESCE((SELECT e.days FROM temp.derived_estimates e "
            "WHERE e.grade = requisitions.grade AND e.engagement = requisitions.engagement), ?)"
        )
        with self.transaction():
            self.conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS derived_estimates "
                "(grade TEXT, engagement TEXT, days INTEGER, PRIMARY KEY (grade, engagement))"
            )
            self.conn.execute("DELETE FROM temp.derived_estimates")
            self.conn.executemany(
                "INSERT INTO temp.derived_estimates (grade, engagement, days) VALUES (?, ?, ?)",
                [(grade, engagement, days) for (grade, engagement), days in estimates.items()],
            )
            changed = self.conn.execute(
                f"UPDATE requisitions SET estimate_days = {pick} WHERE estimate_days IS NOT {pick}",
                (default_days, default_days),
            ).rowcount
        return changed

    def count_requisitions(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM requisitions").fetchone()[0])

    # -- the queue -------------------------------------------------------------------------------

    def _queue_where(self, q: QueueQuery, *, fts_joined: bool = False) -> tuple[str, list[Any]]:
        """The WHERE clause; with `fts_joined` the query reads `requisitions_fts f` itself and is matched there."""
        clauses: list[str] = []
        params: list[Any] = []
        match = fts_query(q.text)
        if match:
            clauses.append(
                "requisitions_fts MATCH ?"
                if fts_joined
                else "r.id IN (SELECT rowid FROM requisitions_fts WHERE requisitions_fts MATCH ?)"
            )
            params.append(match)
        if q.statuses:
            clauses.append(f"r.status IN ({','.join('?' for _ in q.statuses)})")
            params.extend(str(s) for s in q.statuses)
        elif q.open_only or q.at_risk_only:
            # Most requisitions are open, so the status index only costs a full sort; the unary +
            # keeps SQLite walking the sort column's index instead (100k rows: 140 ms -> 3 ms a page).
            clauses.append(f"+r.status IN ({','.join('?' for _ in OPEN_STATUSES)})")
            params.extend(sorted(str(s) for s in OPEN_STATUSES))
        if q.person_id is not None:
            clauses.append("(r.sales_owner_id = ? OR r.recruiter_id = ?)")
            params.extend([q.person_id, q.person_id])
        if q.at_risk_only:
            today = (q.today or self.now().date()).isoformat()
            clauses.append(
                "r.promised_date IS NOT NULL AND (r.promised_date < ? OR "
                "(r.estimate_days IS NOT NULL AND r.promised_date < date(r.opened_at, '+' || r.estimate_days || ' days')))"
            )
            params.append(today)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def count_queue(self, q: QueueQuery, *, in_background: bool = False) -> int:
        """How many requisitions the queue shows. `in_background` counts on the Store's reader connection
        (for a worker thread; `interrupt_background_reads` stops it) and raises `BackgroundReadInterrupted`."""
        if fts_query(q.text):
            # Read from the match list itself: one join per match instead of building the list first.
            where, params = self._queue_where(q, fts_joined=True)
            sql = f"SELECT COUNT(*) FROM requisitions_fts f CROSS JOIN requisitions r ON r.id = f.rowid{where}"
        else:
            where, params = self._queue_where(q)
            sql = f"SELECT COUNT(*) FROM requisitions r{where}"
        if in_background:
            return self._background_read(lambda conn: conn.execute(sql, params).fetchone()[0])
        return self.conn.execute(sql, params).fetchone()[0]

    def queue_sql(self, q: QueueQuery, offset: int, limit: int, *, from_end: bool = False) -> tuple[str, list[Any]]:
        """The page's SQL. `from_end` reads the same order backwards (offset then counts from the last row)."""
        descending = q.descending != from_end
        direction = "DESC" if descending else "ASC"
        columns = (  # in RequisitionRow's field order: `RequisitionRow.from_sql` reads them by position
            "SELECT r.id, r.code, r.title, r.client, s.name AS sales_owner, rc.name AS recruiter, r.status, "
            "r.grade, r.score, r.opened_at, r.promised_date, r.estimate_days, r.submittals, r.open_disputes "
        )
        people = "JOIN people s ON s.id = r.sales_owner_id LEFT JOIN people rc ON rc.id = r.recruiter_id"
        if fts_query(q.text) and QUEUE_SORTS.get(q.sort, "r.id") == "r.id":
            # In code order the full-text index hands out its matches already sorted, so the page stops
            # after `limit` rows instead of listing and sorting every match (a one-letter prefix matches
            # half of 100,000 requisitions: ~30 ms -> ~0.5 ms).
            where, params = self._queue_where(q, fts_joined=True)
            sql = (
                f"{columns}FROM requisitions_fts f CROSS JOIN requisitions r ON r.id = f.rowid {people}"
                f"{where} ORDER BY f.rowid {direction} LIMIT ? OFFSET ?"
            )
            return sql, [*params, limit, offset]
        where, params = self._queue_where(q)
        order = QUEUE_SORTS.get(q.sort, "r.id")
        # Unknown values (no grade yet, no promised date) sit at the bottom whichever way it is sorted,
        # so read backwards they come first.
        nulls = "NULLS FIRST" if from_end else "NULLS LAST"
        sql = (
            f"{columns}FROM requisitions r {people}"
            f"{where} ORDER BY {order} {direction} {nulls}, r.id {direction} LIMIT ? OFFSET ?"
        )
        return sql, [*params, limit, offset]

    def query_queue(
        self, q: QueueQuery, offset: int = 0, limit: int = 100, total: int | None = None
    ) -> list[RequisitionRow]:
        """One page of the queue. Given the `total` (count_queue), a page in the far half is read from the
        end backwards: SQLite's OFFSET walks every skipped row, so `end` on 100,000 rows would cost ~0.5 s."""
        from_end = total is not None and offset > total // 2
        if from_end:
            assert total is not None
            end = min(offset + limit, total)
            sql, params = self.queue_sql(q, total - end, end - offset, from_end=True)
        else:
            sql, params = self.queue_sql(q, offset, limit)
        row = RequisitionRow.from_sql  # built unvalidated: these rows were validated when they were written
        try:
            rows = [row(values) for values in self.conn.execute(sql, params)]
        except (ValueError, TypeError):  # a damaged row (another tool wrote it): skipped, noted, never a crash
            rows = [built for values in self.conn.execute(sql, params) if (built := self._queue_row(values))]
        return rows[::-1] if from_end else rows

    def _queue_row(self, values: Sequence[Any]) -> RequisitionRow | None:
        try:
            return RequisitionRow.from_sql(values)
        except (ValueError, TypeError) as exc:
            if self._get(Requisition, "requisitions", values[0]) is not None:  # its model names the field
                self.damage.record("requisitions", {"id": values[0], "code": values[1]}, exc)
            return None

    def timeline(self, entity: str, entity_id: int) -> list[AuditEvent]:
        return self._list(
            AuditEvent,
            "SELECT * FROM events WHERE entity = ? AND entity_id = ? ORDER BY at, id",
            (entity, entity_id),
        )

    def requisition_timeline(self, req_id: int) -> list[AuditEvent]:
        """The requisition's own audit entries plus those of its pipeline events and disputes."""
        return self._list(
            AuditEvent,
            "SELECT * FROM events WHERE (entity = 'requisition' AND entity_id = ?) "
            "OR (entity = 'pipeline_event' AND entity_id IN (SELECT id FROM pipeline_events WHERE requisition_id = ?)) "
            "OR (entity = 'dispute' AND entity_id IN (SELECT id FROM disputes WHERE requisition_id = ?)) "
            "OR (entity = 'placement_credit' AND entity_id = ?) "
            "ORDER BY at, id",
            (req_id, req_id, req_id, req_id),
        )

    # -- disputes --------------------------------------------------------------------------------

    def _refresh_open_disputes(self, req_id: int | None) -> None:
        if req_id is None:
            return
        statuses = tuple(str(s) for s in OPEN_DISPUTE_STATUSES)
        self.conn.execute(
            "UPDATE requisitions SET open_disputes = (SELECT COUNT(*) FROM disputes "
            f"WHERE requisition_id = ? AND status IN ({','.join('?' for _ in statuses)})) WHERE id = ?",
            (req_id, *statuses, req_id),
        )

    def add_dispute(self, dispute: Dispute) -> Dispute:
        with self.transaction():
            for pid in (dispute.raised_by_id, dispute.counterpart_id):
                if self.get_person(pid) is None:
                    raise RejectedChange(f"Person {pid} does not exist")
            if dispute.requisition_id is not None:
                self._require(Requisition, "requisitions", dispute.requisition_id, "Requisition")
            next_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM disputes").fetchone()[0]
            dispute = dispute.model_copy(
                update={"id": next_id, "code": f"D-{next_id:04d}", "opened_at": dispute.opened_at or self.now()}
            )
            stored = self._insert("disputes", dispute, "dispute")
            self._refresh_open_disputes(stored.requisition_id)
        return stored

    def update_dispute(self, dispute: Dispute, action: str = "update", started_from: Dispute | None = None) -> Dispute:
        """Saves an edited dispute; with `started_from`, as `update_requisition` (refused over a newer version)."""
        with self.transaction():
            before, dispute, mine = self._edit(dispute, started_from)
            if mine == []:
                return before
            closed = dispute.status not in OPEN_DISPUTE_STATUSES
            dispute = dispute.model_copy(
                update={"code": before.code, "closed_at": (dispute.closed_at or self.now()) if closed else None}
            )
            stored = self._update("disputes", dispute, before, "dispute", action=action, fields=mine)
            self._refresh_open_disputes(before.requisition_id)
            if stored.requisition_id != before.requisition_id:
                self._refresh_open_disputes(stored.requisition_id)
        return stored

    def set_dispute_status(
        self, dispute_id: int, status: DisputeStatus | str, resolution: str = "", started_from: Dispute | None = None
    ) -> Dispute:
        """`started_from`: the dispute as the screen showed it; refused (EditConflict) if it changed since."""
        # Read and write in one transaction so another process's change in between is not overwritten.
        with self.transaction():
            dispute = self._require(Dispute, "disputes", dispute_id, "Dispute")
            self._refuse_if_changed(dispute, started_from, action=True)
            update: dict[str, Any] = {"status": DisputeStatus(status)}
            if resolution:
                update["resolution"] = resolution
            return self.update_dispute(dispute.model_copy(update=update), action=str(status))

    def resolve_dispute(
        self,
        dispute_id: int,
        resolution: str,
        proposal_id: str | None,
        commitments: Sequence[Commitment],
        started_from: Dispute | None = None,
    ) -> tuple[Dispute, list[Commitment]]:
        """Records the resolution, links the proposal and creates its commitments — all or nothing.
        `started_from`: the dispute as the lead read it; refused (EditConflict) if it changed since."""
        if not resolution.strip():
            raise RejectedChange("Write the resolution both sides agreed to")
        with self.transaction():
            dispute = self._require(Dispute, "disputes", dispute_id, "Dispute")
            self._refuse_if_changed(dispute, started_from)
            if dispute.status not in OPEN_DISPUTE_STATUSES:
                raise RejectedChange(f"{dispute.code} is already {dispute.status}")
            resolved = self.update_dispute(
                dispute.model_copy(
                    update={"status": DisputeStatus.RESOLVED, "resolution": resolution, "proposal_id": proposal_id}
                ),
                action="resolve",
            )
            created = [
                self.add_commitment(
                    c.model_copy(
                        update={"dispute_id": dispute_id, "requisition_id": c.requisition_id or dispute.requisition_id}
                    )
                )
                for c in commitments
            ]
        return resolved, created

    def get_dispute(self, dispute_id: int) -> Dispute | None:
        return self._get(Dispute, "disputes", dispute_id)

    def dispute_by_code(self, code: str) -> Dispute | None:
        row = self.conn.execute("SELECT * FROM disputes WHERE code = ? COLLATE NOCASE", (code.strip(),)).fetchone()
        return None if row is None else self._model(Dispute, "disputes", dict(row))

    def list_disputes(
        self,
        statuses: Sequence[str] = (),
        requisition_id: int | None = None,
        text: str = "",
        limit: int | None = None,
    ) -> list[Dispute]:
        """Open first, then by severity (3 = most severe) and age (oldest first); the first `limit` of them."""
        sql, params = self._disputes_where("SELECT d.* FROM disputes d WHERE 1=1", statuses, requisition_id, text)
        sql += (
            " ORDER BY CASE d.status WHEN 'open' THEN 0 WHEN 'mediating' THEN 0 WHEN 'escalated' THEN 1 ELSE 2 END,"
            " d.severity DESC, d.opened_at, d.id"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self._list(Dispute, sql, params)

    def count_disputes(self, statuses: Sequence[str] = (), text: str = "") -> tuple[int, int]:
        """(all, open) among the disputes list_disputes would return without a limit."""
        sql, params = self._disputes_where(
            "SELECT COUNT(*), COALESCE(SUM(d.status IN ('open', 'mediating')), 0) FROM disputes d WHERE 1=1",
            statuses,
            None,
            text,
        )
        total, open_count = self.conn.execute(sql, params).fetchone()
        return total, open_count

    def _disputes_where(
        self, sql: str, statuses: Sequence[str], requisition_id: int | None, text: str
    ) -> tuple[str, list[Any]]:
        params: list[Any] = []
        if statuses:
            sql += f" AND d.status IN ({','.join('?' for _ in statuses)})"
            params.extend(str(s) for s in statuses)
        if requisition_id is not None:
            sql += " AND d.requisition_id = ?"
            params.append(requisition_id)
        if text.strip():
            sql += " AND (d.summary LIKE ? OR d.code LIKE ? OR d.category LIKE ?)"
            like = f"%{text.strip()}%"
            params.extend([like, like, like])
        return sql, params

    # -- expectations and commitments -------------------------------------------------------------

    def add_expectation(self, expectation: Expectation) -> Expectation:
        return self._insert(
            "expectations",
            expectation.model_copy(update={"created_at": expectation.created_at or self.now()}),
            "expectation",
        )

    def update_expectation(
        self, expectation: Expectation, action: str = "update", started_from: Expectation | None = None
    ) -> Expectation:
        """Saves an edited expectation; with `started_from`, as `update_requisition` (refused over a newer version)."""
        with self.transaction():
            before, expectation, mine = self._edit(expectation, started_from)
            if mine == []:
                return before
            return self._update("expectations", expectation, before, "expectation", action=action, fields=mine)

    def set_expectation_status(
        self, expectation_id: int, status: ExpectationStatus | str, started_from: Expectation | None = None
    ) -> Expectation:
        """`started_from`: the expectation as the screen showed it. Agreeing to a target or threshold
        that someone changed since is refused (EditConflict): both teams agree to what they read."""
        with self.transaction():
            expectation = self._require(Expectation, "expectations", expectation_id, "Expectation")
            self._refuse_if_changed(expectation, started_from, action=True)
            status = ExpectationStatus(status)
            update: dict[str, Any] = {"status": status}
            if status == ExpectationStatus.AGREED:
                update["agreed_at"] = self.now().date()
            return self.update_expectation(expectation.model_copy(update=update), action=str(status))

    def get_expectation(self, expectation_id: int) -> Expectation | None:
        return self._get(Expectation, "expectations", expectation_id)

    def list_expectations(self, statuses: Sequence[str] = ()) -> list[Expectation]:
        sql, params = "SELECT * FROM expectations", list[Any]()
        if statuses:
            sql += f" WHERE status IN ({','.join('?' for _ in statuses)})"
            params.extend(str(s) for s in statuses)
        return self._list(
            Expectation,
            sql + " ORDER BY CASE status WHEN 'agreed' THEN 0 WHEN 'proposed' THEN 1 ELSE 2 END, id",
            params,
        )

    def add_commitment(self, commitment: Commitment) -> Commitment:
        with self.transaction():
            if self.get_person(commitment.owner_id) is None:
                raise RejectedChange("The owner of a commitment must be a person in the team")
            return self._insert(
                "commitments",
                commitment.model_copy(update={"created_at": commitment.created_at or self.now()}),
                "commitment",
            )

    def set_commitment_status(
        self,
        commitment_id: int,
        status: CommitmentStatus | str,
        reason: str = "",
        started_from: Commitment | None = None,
    ) -> Commitment:
        """`started_from`: the commitment as the screen showed it; refused (EditConflict) if it changed since
        (another console recorded its outcome: who and when are named)."""
        status = CommitmentStatus(status)
        if status == CommitmentStatus.CANCELLED and not reason.strip():
            raise RejectedChange("Say why the commitment is cancelled")
        with self.transaction():
            before = self._require(Commitment, "commitments", commitment_id, "Commitment")
            self._refuse_if_changed(before, started_from, action=True)
            if before.status != CommitmentStatus.OPEN:
                # Kept, missed and cancelled are outcomes the track record counts; they are not revisited.
                raise RejectedChange(f"This commitment is already {before.status}")
            after = before.model_copy(
                update={
                    "status": status,
                    "closed_at": None if status == CommitmentStatus.OPEN else self.now(),
                    "reason": reason.strip() or before.reason,
                }
            )
            return self._update("commitments", after, before, "commitment", action=str(status))

    def get_commitment(self, commitment_id: int) -> Commitment | None:
        return self._get(Commitment, "commitments", commitment_id)

    def list_commitments(
        self,
        statuses: Sequence[str] = (),
        owner_id: int | None = None,
        dispute_id: int | None = None,
        standup_id: int | None = None,
        since: dt.datetime | None = None,
    ) -> list[Commitment]:
        sql, params = "SELECT * FROM commitments WHERE 1=1", list[Any]()
        if statuses:
            sql += f" AND status IN ({','.join('?' for _ in statuses)})"
            params.extend(str(s) for s in statuses)
        for column, value in (("owner_id", owner_id), ("dispute_id", dispute_id), ("standup_id", standup_id)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        if since is not None:
            sql += " AND COALESCE(closed_at, created_at) >= ?"
            params.append(_to_sql(since))
        return self._list(Commitment, sql + " ORDER BY due, id", params)

    def commitment_tally(
        self,
        since: dt.date | None = None,
        until: dt.date | None = None,
        owner_ids: Sequence[int] | None = None,
        team: Team | str | None = None,
    ) -> dict[str, int]:
        """Counts commitments by status whose due date falls in [since, until] — follow-through's input."""
        sql = "SELECT c.status, COUNT(*) FROM commitments c JOIN people p ON p.id = c.owner_id WHERE 1=1"
        params: list[Any] = []
        if since is not None:
            sql += " AND c.due >= ?"
            params.append(since.isoformat())
        if until is not None:
            sql += " AND c.due <= ?"
            params.append(until.isoformat())
        if owner_ids is not None:
            sql += f" AND c.owner_id IN ({','.join('?' for _ in owner_ids)})"
            params.extend(owner_ids)
        if team is not None:
            sql += " AND p.team = ?"
            params.append(str(team))
        tally = {str(s): 0 for s in CommitmentStatus}
        for status, n in self.conn.execute(sql + " GROUP BY c.status", params):
            tally[status] = n
        return tally

    # -- standups --------------------------------------------------------------------------------

    def start_standup(self, standup: Standup) -> Standup:
        with self.transaction():
            stored = self._insert("standups", standup.model_copy(update={"items": []}), "standup")
            items = [
                self._insert(
                    "standup_items", item.model_copy(update={"standup_id": stored.id, "position": i}), "standup_item"
                )
                for i, item in enumerate(standup.items)
            ]
        return stored.model_copy(update={"items": items})

    def update_standup(self, standup: Standup) -> Standup:
        with self.transaction():
            # _standup decodes the attendees' JSON column, which the generic _require cannot; the items
            # are not part of this record (a long meeting's cost ~10 ms to read).
            row = self.conn.execute("SELECT * FROM standups WHERE id = ?", (standup.id,)).fetchone()
            if row is None:
                raise RejectedChange(f"Standup {standup.id} does not exist")
            before = self._standup(row, with_items=False)
            if before is None:
                raise DamagedRecord(self.damage.get("standups", standup.id))
            self._update("standups", standup.model_copy(update={"items": []}), before, "standup")
        return standup

    def update_standup_item(self, item: StandupItem) -> StandupItem:
        with self.transaction():
            before = self._require(StandupItem, "standup_items", item.id, "Standup item")
            return self._update("standup_items", item, before, "standup_item")

    def add_standup_item(self, item: StandupItem) -> StandupItem:
        with self.transaction():
            position = self.conn.execute(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM standup_items WHERE standup_id = ?", (item.standup_id,)
            ).fetchone()[0]
            return self._insert("standup_items", item.model_copy(update={"position": position}), "standup_item")

    def get_standup(self, standup_id: int) -> Standup | None:
        row = self.conn.execute("SELECT * FROM standups WHERE id = ?", (standup_id,)).fetchone()
        return None if row is None else self._standup(row, with_items=True)

    def _standup(self, row: sqlite3.Row, *, with_items: bool) -> Standup | None:
        """The standup, or None when its row is damaged; a damaged item is left out of it (both noted
        in `self.damage`)."""
        data = dict(row)
        try:
            data["attendees"] = json.loads(data["attendees"] or "[]")
        except (ValueError, TypeError) as exc:
            self.damage.record("standups", data, exc, field="attendees")
            return None
        if with_items:
            items = [
                self._model(StandupItem, "standup_items", dict(r))
                for r in self.conn.execute(
                    "SELECT * FROM standup_items WHERE standup_id = ? ORDER BY position, id", (row["id"],)
                )
            ]
            data["items"] = [item for item in items if item is not None]
        return self._model(Standup, "standups", data)

    def list_standups(self) -> list[Standup]:
        ids = [row[0] for row in self.conn.execute("SELECT id FROM standups ORDER BY started_at DESC, id DESC")]
        return [s for s in (self.get_standup(i) for i in ids) if s is not None]

    def latest_standup(self, ended_only: bool = False) -> Standup | None:
        """The latest standup whose row is not damaged (a damaged one is noted and passed over)."""
        sql = "SELECT id FROM standups " + ("WHERE ended_at IS NOT NULL " if ended_only else "")
        for (standup_id,) in self.conn.execute(sql + "ORDER BY started_at DESC, id DESC").fetchall():
            if (found := self.get_standup(standup_id)) is not None:
                return found
        return None

    def running_standup(self) -> Standup | None:
        row = self.conn.execute(
            "SELECT id FROM standups WHERE ended_at IS NULL ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        return None if row is None else self.get_standup(row[0])

    # -- standup and agenda ----------------------------------------------------------------------
    # Set-based reads for the standup agenda and the meeting notes: each returns one page of models
    # and the total, so a 100,000-requisition database still answers in milliseconds.

    def _page(self, model: type[M], sql: str, params: Sequence[Any], limit: int) -> tuple[list[M], int]:
        # `sql` ends with its ORDER BY, which the count leaves out: with it SQLite reads and sorts every
        # whole row (~70 ms for 40,000 kept commitments); without it the count is read from an index alone.
        unordered = sql.rsplit(" ORDER BY ", 1)[0]
        total = self.conn.execute(f"SELECT COUNT(*) FROM ({unordered})", params).fetchone()[0]
        rows = self._list(model, f"{sql} LIMIT ?", (*params, limit)) if total else []
        return rows, total

    def previous_standup(self, before: dt.datetime, exclude_id: int | None = None) -> Standup | None:
        """The last standup that ended before a moment (the one "since the last standup" counts from),
        without its items: its callers want when it ended, and a long meeting's items cost ~10 ms."""
        row = self.conn.execute(
            "SELECT * FROM standups WHERE ended_at IS NOT NULL AND started_at < ? AND id IS NOT ? "
            "ORDER BY started_at DESC, id DESC LIMIT 1",
            (_to_sql(before), exclude_id),
        ).fetchone()
        return None if row is None else self._standup(row, with_items=False)

    def commitments_kept_between(
        self, since: dt.datetime | None, until: dt.datetime, limit: int
    ) -> tuple[list[Commitment], int]:
        return self._page(
            Commitment,
            "SELECT * FROM commitments WHERE status = 'kept' AND closed_at >= ? AND closed_at <= ? "
            "ORDER BY closed_at DESC, id DESC",
            (_to_sql(since) if since else "", _to_sql(until)),
            limit,
        )

    def requisitions_filled_between(
        self, since: dt.datetime | None, until: dt.datetime, limit: int
    ) -> tuple[list[Requisition], int]:
        return self._page(
            Requisition,
            "SELECT * FROM requisitions WHERE status = 'filled' AND closed_at >= ? AND closed_at <= ? "
            "ORDER BY closed_at DESC, id DESC",
            (_to_sql(since) if since else "", _to_sql(until)),
            limit,
        )

    def open_commitments_due_between(
        self, first: dt.date | None, last: dt.date, limit: int
    ) -> tuple[list[Commitment], int]:
        """Open commitments whose due date falls in [first, last], most overdue first."""
        return self._page(
            Commitment,
            "SELECT * FROM commitments WHERE status = 'open' AND due >= ? AND due <= ? ORDER BY due, id",
            (first.isoformat() if first else "", last.isoformat()),
            limit,
        )

    def open_commitments_of_standup(self, standup_id: int, limit: int) -> tuple[list[Commitment], int]:
        return self._page(
            Commitment,
            "SELECT * FROM commitments WHERE status = 'open' AND standup_id = ? ORDER BY due, id",
            (standup_id,),
            limit,
        )

    def requisitions_awaiting_intake(self, limit: int) -> tuple[list[Requisition], int]:
        """New requisitions nobody has held the intake call for, oldest first."""
        return self._page(
            Requisition,
            "SELECT * FROM requisitions WHERE status = 'intake' AND intake_at IS NULL ORDER BY opened_at, id",
            (),
            limit,
        )

    def requisitions_at_risk(
        self,
        *,
        today: dt.date,
        stale_before: dt.datetime,
        submittal_due_before: dict[str, dt.datetime],
        default_estimate_days: int,
        limit: int,
    ) -> tuple[list[tuple[Requisition, frozenset[str]]], int]:
        """Open, active requisitions at risk, each with its reasons: `promise` (promised before the
        realistic estimate, or already past), `no_submittal` (none within the expectation for its
        grade), `stale` (no status change since `stale_before`). Most reasons first."""
        grade_clauses = " OR ".join("(r.grade = ? AND r.intake_at < ?)" for _ in submittal_due_before) or "0"
        grade_params: list[Any] = []
        for grade, cutoff in submittal_due_before.items():
            grade_params.extend([grade, _to_sql(cutoff)])
        active = ("qualified", "sourcing", "submitted", "interviewing", "offer", "intake")
        # One pass: the flags of every active requisition are worked out once into a materialised
        # list (read from the requisitions_intake_risk index alone, never the wide rows), then counted
        # and the page taken from it. Only ids and flags are sorted. Days are compared as julian day
        # numbers of 'YYYY-MM-DD' strings, the cheapest date arithmetic SQLite has.
        flags = (
            "(r.promised_date IS NOT NULL AND (r.promised_date < ? OR julianday(r.promised_date) "
            "  - julianday(substr(r.opened_at, 1, 10)) < COALESCE(r.estimate_days, ?))) AS risk_promise, "
            "(r.submittals = 0 AND r.status IN ('qualified', 'sourcing') AND r.intake_at IS NOT NULL "
            f" AND ({grade_clauses})) AS risk_no_submittal, "
            "(r.opened_at < ? AND (r.status_changed_at IS NULL OR r.status_changed_at < ?)) AS risk_stale"
        )
        params: list[Any] = [
            today.isoformat(),
            default_estimate_days,
            *grade_params,
            _to_sql(stale_before),
            _to_sql(stale_before),
            *active,
            limit,
        ]
        page = self.conn.execute(
            f"WITH flagged AS MATERIALIZED (SELECT r.id, r.promised_date, r.opened_at, {flags} "
            f"  FROM requisitions r WHERE r.status IN ({','.join('?' for _ in active)})), "
            "risky AS (SELECT * FROM flagged WHERE risk_promise OR risk_no_submittal OR risk_stale) "
            "SELECT id, risk_promise, risk_no_submittal, risk_stale, (SELECT COUNT(*) FROM risky) AS total "
            "FROM risky ORDER BY risk_promise + risk_no_submittal + risk_stale DESC, "
            "promised_date NULLS LAST, opened_at, id LIMIT ?",
            params,
        ).fetchall()
        if not page:
            return [], 0
        total = page[0]["total"]
        reqs = self.requisitions_by_ids([row["id"] for row in page])
        found = [
            (reqs[row["id"]], frozenset(n for n in ("promise", "no_submittal", "stale") if row[f"risk_{n}"]))
            for row in page
        ]
        return found, total

    def open_disputes_page(self, limit: int) -> tuple[list[Dispute], int]:
        """Open and mediating disputes, most severe and oldest first."""
        where = "status IN ('open', 'mediating')"
        total = self.conn.execute(f"SELECT COUNT(*) FROM disputes WHERE {where}").fetchone()[0]
        # The order is taken from the disputes_open index (ids only); just the page's rows are read.
        order = "ORDER BY severity DESC, opened_at, id"
        page = (
            self._list(
                Dispute,
                f"SELECT * FROM disputes WHERE id IN (SELECT id FROM disputes WHERE {where} {order} LIMIT ?) {order}",
                (limit,),
            )
            if total
            else []
        )
        return page, total

    def requisitions_by_ids(self, ids: Sequence[int]) -> dict[int, Requisition]:
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        marks = ",".join("?" for _ in wanted)
        return {
            r.saved_id: r for r in self._list(Requisition, f"SELECT * FROM requisitions WHERE id IN ({marks})", wanted)
        }

    def requisition_codes(self, ids: Sequence[int]) -> dict[int, str]:
        """{id: code} for links in the notes: a few hundred codes without building whole records."""
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        marks = ",".join("?" for _ in wanted)
        return dict(self.conn.execute(f"SELECT id, code FROM requisitions WHERE id IN ({marks})", wanted).fetchall())

    def disputes_by_ids(self, ids: Sequence[int]) -> dict[int, Dispute]:
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        marks = ",".join("?" for _ in wanted)
        return {d.saved_id: d for d in self._list(Dispute, f"SELECT * FROM disputes WHERE id IN ({marks})", wanted)}

    def commitments_by_ids(self, ids: Sequence[int]) -> dict[int, Commitment]:
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        marks = ",".join("?" for _ in wanted)
        return {
            c.saved_id: c for c in self._list(Commitment, f"SELECT * FROM commitments WHERE id IN ({marks})", wanted)
        }

    def requisitions_opened_between(
        self, since: dt.datetime | None, until: dt.datetime, limit: int
    ) -> tuple[list[Requisition], int]:
        return self._page(
            Requisition,
            "SELECT * FROM requisitions WHERE opened_at >= ? AND opened_at <= ? ORDER BY opened_at, id",
            (_to_sql(since) if since else "", _to_sql(until)),
            limit,
        )

    def status_moves_between(
        self, since: dt.datetime | None, until: dt.datetime, limit: int
    ) -> tuple[list[PipelineEvent], int]:
        return self._page(
            PipelineEvent,
            "SELECT * FROM pipeline_events WHERE kind = 'status_change' AND at >= ? AND at <= ? ORDER BY at, id",
            (_to_sql(since) if since else "", _to_sql(until)),
            limit,
        )

    def open_commitments_before_standup(
        self, standup_id: int, started_at: dt.datetime, limit: int
    ) -> tuple[list[Commitment], int]:
        """Open action items made in earlier standups: what this one carries forward."""
        # Read through the standups (a handful) into commitments_standup; left to itself SQLite walks
        # every open commitment in due order instead (~5 ms -> ~0.05 ms).
        return self._page(
            Commitment,
            "SELECT c.* FROM commitments c INDEXED BY commitments_standup WHERE c.status = 'open' "
            "AND c.standup_id IN (SELECT id FROM standups WHERE id != ? AND started_at < ?) ORDER BY c.due, c.id",
            (standup_id, _to_sql(started_at)),
            limit,
        )

    # -- expectation metrics and track record ----------------------------------------------------
    # Set-based reads for console/metrics.py and console/track_record.py. Every metric is one
    # "cases" query: a row per measured case (when its clock started, kept 1 / broken 0 / not yet
    # decided NULL, and how far past the threshold it is). The tally groups the cases by day in
    # SQLite, so the caller sums any window and any week from one small result.

    # Open and being worked: a requisition on hold is paused on purpose, so it cannot go stale.
    _RUNNING = ("intake", "qualified", "sourcing", "submitted", "interviewing", "offer")
    # What a breach row carries besides the case itself, for metrics that have nothing more to say.
    _NO_EXTRAS = "NULL AS due_at, NULL AS promised_date, NULL AS estimate_date, NULL AS commitment_id, NULL AS owner"

    def _metric_cases(
        self,
        metric: str | None,
        threshold: float,
        until: dt.datetime,
        *,
        grade: str | None = None,
        calendar: str | None = None,
        expectation_id: int | None = None,
        default_estimate_days: float | None = None,
    ) -> tuple[str, dict[str, Any], str]:
        """The CTEs ending in `cases` of one metric, their parameters, and the extra breach columns.

        The cases are those whose clock started after `:start_after` and by `:start_until` (set per
        statement), measured at `until`. `cases` has: requisition_id, at (when the clock started), at_jd (its julian day), done_at,
        kept (1 / 0 / NULL = not decided yet) and excess (past the threshold, in the metric's unit).
        The definitions are documented in console/core/metric_registry.py, which passes the grade of
        a first-submittal metric, the business-day `calendar` and the `default_estimate_days`.
        """
        params: dict[str, Any] = {"t": float(threshold), "until": _to_sql(until), "until_jd": _julian(until)}
        extras = self._NO_EXTRAS

        # Correlated look-ups go through the per-requisition index: the planner otherwise prefers
        # the (kind, at) index and scans every event of that kind for each case.
        def events(alias: str) -> str:
            return f"pipeline_events AS {alias} INDEXED BY pipeline_events_requisition_kind"

        # A clock stopped by a close uses the close time, never a close that predates the case.
        if metric == INTAKE_WITHIN_HOURS:
            sql = """
                base AS (
                    SELECT r.id AS requisition_id, r.opened_at AS at, julianday(r.opened_at) AS at_jd,
                           CASE WHEN r.intake_at <= :until THEN r.intake_at END AS done_at,
                           CASE WHEN r.closed_at >= r.opened_at AND r.closed_at < :until
                                THEN r.closed_at ELSE :until END AS stop
                    FROM requisitions r WHERE r.opened_at > :start_after AND r.opened_at <= :start_until
                ),
                timed AS (
                    SELECT *, (julianday(COALESCE(done_at, stop)) - at_jd) * 24 AS spent FROM base
                ),
                cases AS (
                    SELECT requisition_id, at, at_jd, done_at, spent - :t AS excess,
                           CASE WHEN done_at IS NOT NULL THEN spent <= :t WHEN spent > :t THEN 0 END AS kept
                    FROM timed
                )"""
            extras = (
                "datetime(c.at_jd + :t / 24.0) AS due_at, NULL AS promised_date, NULL AS estimate_date, "
                "NULL AS commitment_id, NULL AS owner"
            )
        elif metric in (FIRST_SUBMITTAL_A, FIRST_SUBMITTAL_B):
            # Each qualification starts a clock; on hold / lost / declined stops it; a re-qualification
            # starts a new one. `calendar` maps each day to [clock-start, clock-stop] business-day ordinals.
            if grade is None:
                raise StoreError(f"The metric {metric!r} is measured for one grade: name it")
            params["grade"] = grade
            params["calendar"] = calendar or "{}"
            # The next submittal, re-qualification and pause after each qualification are kept beside it
            # (schema migration 11); one after `until` has not happened yet at `until`.
            sql = """
                calendar AS MATERIALIZED (
                    SELECT key AS day, json_extract(value, '$[0]') AS start_n, json_extract(value, '$[1]') AS stop_n
                    FROM json_each(:calendar)
                ),
                qualified AS (
                    SELECT e.requisition_id, e.at, e.answered_at,
                           CASE WHEN e.requalified_at <= :until THEN e.requalified_at END AS next_q,
                           COALESCE(CASE WHEN e.paused_at <= :until THEN e.paused_at END, :until) AS stop
                    FROM pipeline_events AS e INDEXED BY pipeline_events_qualified_answered
                    WHERE e.kind = 'status_change' AND e.to_status = 'qualified'
                      AND e.at > :start_after AND e.at <= :start_until
                      -- The grade's requisitions as one set of ids read from its index, instead of
                      -- each qualification's wide requisition row.
                      AND e.requisition_id IN (
                          SELECT g.id FROM requisitions AS g INDEXED BY requisitions_grade WHERE g.grade = :grade)
                ),
                submitted AS MATERIALIZED (
                    SELECT q.requisition_id, q.at, julianday(q.at) AS at_jd, q.stop,
                           CASE WHEN q.answered_at <= :until AND (q.next_q IS NULL OR q.answered_at < q.next_q)
                                THEN q.answered_at END AS done_at
                    FROM qualified q
                ),
                timed AS MATERIALIZED (
                    -- Look-ups, not joins: joined on an expression, the planner scans the calendar per case.
                    -- Materialized so each case looks its days up once, not once per use of `spent`.
                    SELECT s.*, MAX(0, (SELECT stop_n FROM calendar WHERE day = substr(COALESCE(s.done_at, s.stop), 1, 10))
                                    - (SELECT start_n FROM calendar WHERE day = substr(s.at, 1, 10))) AS spent
                    FROM submitted s
                ),
                cases AS (
                    SELECT requisition_id, at, at_jd, done_at, spent - :t AS excess,
                           CASE WHEN done_at IS NOT NULL THEN spent <= :t WHEN spent > :t THEN 0 END AS kept
                    FROM timed
                )"""
        elif metric == CLIENT_FEEDBACK_WITHIN_HOURS:
            sql = """
                base AS (
                    -- The client's first feedback at or after each submittal is kept beside it (schema
                    -- migration 11); one after `until` had not come yet at `until`.
                    SELECT s.requisition_id, s.at, julianday(s.at) AS at_jd,
                           CASE WHEN s.answered_at <= :until THEN s.answered_at END AS done_at
                    FROM pipeline_events AS s INDEXED BY pipeline_events_submittal_answered
                    WHERE s.kind = 'submittal' AND s.at > :start_after AND s.at <= :start_until
                ),
                timed AS (
                    -- The requisition's close only matters to a submittal still waiting for feedback.
                    SELECT b.*, (julianday(COALESCE(b.done_at, CASE WHEN b.done_at IS NULL THEN (
                               SELECT r.closed_at FROM requisitions r
                               WHERE r.id = b.requisition_id AND r.closed_at >= b.at AND r.closed_at < :until
                           ) END, :until)) - b.at_jd) * 24 AS spent
                    FROM base b
                ),
                cases AS (
                    SELECT requisition_id, at, at_jd, done_at, spent - :t AS excess,
                           CASE WHEN done_at IS NOT NULL THEN spent <= :t WHEN spent > :t THEN 0 END AS kept
                    FROM timed
                )"""
            extras = (
                "datetime(c.at_jd + :t / 24.0) AS due_at, NULL AS promised_date, NULL AS estimate_date, "
                "NULL AS commitment_id, NULL AS owner"
            )
        elif metric == PROMISE_NOT_BEFORE_ESTIMATE:
            # Whole days: the estimate is a date (opened + estimate days), compared with the promised date.
            if default_estimate_days is None:
                raise StoreError(f"The metric {metric!r} needs the estimate to fall back on")
            params["default_estimate"] = float(default_estimate_days)
            sql = """
                base AS (
                    SELECT r.id AS requisition_id, r.opened_at AS at, julianday(r.opened_at) AS at_jd,
                           NULL AS done_at, r.promised_date,
                           COALESCE(r.estimate_days, :default_estimate) AS estimate_used,
                           CAST(julianday(r.opened_at) + 0.5 AS INTEGER) - 0.5
                               + COALESCE(r.estimate_days, :default_estimate)
                               - julianday(r.promised_date) - :t AS excess
                    FROM requisitions r
                    WHERE r.opened_at > :start_after AND r.opened_at <= :start_until AND r.promised_date IS NOT NULL
                ),
                cases AS (SELECT *, excess <= 0 AS kept FROM base)"""
            extras = (
                "NULL AS due_at, c.promised_date, date(c.at_jd + c.estimate_used) AS estimate_date, "
                "NULL AS commitment_id, NULL AS owner"
            )
        elif metric == NO_STALE_REQUISITION_DAYS:
            # Staleness is a state, so it is measured as a snapshot: every requisition running now,
            # kept when its last status change (or its opening) is at most `t` days old.
            running = ",".join(f"'{s}'" for s in self._RUNNING)
            # Kept when the last change is at or after `until` - t, compared as text: a tally then
            # reads the index and compares, with no date arithmetic (whole seconds: rounded up).
            cutoff = until - dt.timedelta(days=float(threshold))
            params["fresh_since"] = _to_sql(cutoff + dt.timedelta(microseconds=-cutoff.microsecond % 1_000_000))
            sql = f"""
                base AS (
                    -- The latest status change is kept beside the requisition (schema migration 11);
                    -- measured at a moment before it, the change before that moment is looked up.
                    SELECT r.id AS requisition_id, CASE
                               WHEN r.status_changed_at IS NULL THEN r.opened_at
                               WHEN r.status_changed_at <= :until THEN r.status_changed_at
                               ELSE COALESCE((
                                   SELECT MAX(e.at) FROM {events("e")}
                                   WHERE e.requisition_id = r.id AND e.kind = 'status_change' AND e.at <= :until
                               ), r.opened_at) END AS at
                    FROM requisitions AS r INDEXED BY requisitions_status_changed
                    WHERE r.status IN ({running}) AND r.opened_at <= :until
                ),
                cases AS (
                    SELECT requisition_id, at, julianday(at) AS at_jd, NULL AS done_at, at >= :fresh_since AS kept,
                           :until_jd - julianday(at) - :t AS excess
                    FROM base
                )"""
            extras = (
                "datetime(c.at_jd + :t) AS due_at, NULL AS promised_date, NULL AS estimate_date, "
                "NULL AS commitment_id, NULL AS owner"
            )
        elif metric is None:
            # Checked in by hand: the commitments linked to the expectation, dated when their outcome
            # was known (kept or missed early) or fell due, whichever came first.
            params["expectation_id"] = expectation_id
            sql = f"""
                dated AS (
                    SELECT k.*, {self._OUTCOME_DAY.replace("c.", "k.")} AS day
                    FROM commitments k WHERE k.expectation_id = :expectation_id
                ),
                cases AS (
                    SELECT d.requisition_id, d.day || ' 00:00:00' AS at, julianday(d.day) AS at_jd,
                           d.closed_at AS done_at, d.id AS commitment_id, d.due, d.owner_id,
                           CASE d.status WHEN 'kept' THEN 1 WHEN 'missed' THEN 0 END AS kept,
                           MAX(0, julianday(substr(COALESCE(d.closed_at, :until), 1, 10)) - julianday(d.due)) AS excess
                    FROM dated d
                    WHERE d.day || ' 00:00:00' > :start_after AND d.day || ' 00:00:00' <= :start_until
                )"""
            extras = (
                "c.due || ' 00:00:00' AS due_at, NULL AS promised_date, NULL AS estimate_date, c.commitment_id, "
                "(SELECT name FROM people WHERE id = c.owner_id) AS owner"
            )
        else:
            raise StoreError(f"Unknown expectation metric {metric!r}")
        return f"WITH {sql}", params, extras

    def reads_beside(self) -> bool:
        """Whether a second connection sees what this one sees: not while this one has uncommitted
        writes, and never for a database that lives in memory."""
        return not self.conn.in_transaction and str(self.path) not in ("", ":memory:")

    # Metrics whose cases are few next to the cost of setting their statement up (see measure_metric).
    _FEW_CASES = frozenset({FIRST_SUBMITTAL_A, FIRST_SUBMITTAL_B, None})

    def measure_metric(
        self,
        metric: str | None,
        threshold: float,
        until: dt.datetime,
        segments: Sequence[tuple[dt.datetime, dt.datetime]],
        window_start: dt.datetime,
        limit: int | None = 200,
        **options: Any,
    ) -> tuple[list[tuple[int, int]], list[MetricBreach]]:
        """One metric measured at `until`: the tally (kept, decided) of the cases whose clock started in
        each of `segments` (after its start, by its end), and the broken cases whose clock started after
        `window_start`, worst first (at most `limit`, none for 0; the tally has the full count).

        Undecided cases (not yet due, or stopped early by a close) are left out, so "no data" stays
        visible instead of looking like 100 %. Staleness is a snapshot at `until`: one tally whatever
        the segments, and breaches however long ago the last change was (the longest-stale are the worst).
        """
        ctes, params, extras = self._metric_cases(metric, threshold, until, **options)
        if metric == NO_STALE_REQUISITION_DAYS:
            segments = [(window_start, until)]
        tally: list[tuple[int, int]] = [(0, 0)] * len(segments)
        if metric in self._FEW_CASES and segments:
            # Few cases, and a statement that sets things up first (the grade's requisitions, the
            # calendar): one statement, its cases sorted into their segments.
            bucket = " ".join(f"WHEN at > :a{i} AND at <= :b{i} THEN {i}" for i in range(len(segments)))
            for i, (start, end) in enumerate(segments):
                params[f"a{i}"], params[f"b{i}"] = _to_sql(start), _to_sql(end)
            params["start_after"] = _to_sql(min(start for start, _ in segments))
            params["start_until"] = _to_sql(max(end for _, end in segments))
            for i, kept, decided in self.conn.execute(
                f"{ctes} SELECT CASE {bucket} END AS segment, SUM(kept), COUNT(kept) FROM cases "
                "WHERE segment IS NOT NULL GROUP BY segment",
                params,
            ):
                tally[i] = (int(kept or 0), int(decided or 0))
        else:
            # One aggregate per segment, each reading its own index range: grouping many cases instead
            # sorts all of them (about as long again as working them out).
            count = f"{ctes} SELECT SUM(kept), COUNT(kept) FROM cases"
            for i, (start, end) in enumerate(segments):
                params["start_after"], params["start_until"] = _to_sql(start), _to_sql(end)
                kept, decided = self.conn.execute(count, params).fetchone()
                tally[i] = (int(kept or 0), int(decided or 0))
        if limit == 0:
            return tally, []
        params["start_after"], params["start_until"] = _to_sql(window_start), _to_sql(until)
        params["limit"] = -1 if limit is None else limit
        # A hand-checked case is a commitment: its text says what was promised.
        title = (
            "COALESCE((SELECT text FROM commitments WHERE id = c.commitment_id), r.title, '')"
            if metric is None
            else "COALESCE(r.title, '')"
        )
        sql = f"""{ctes}
            SELECT c.requisition_id, c.at, c.done_at, c.excess, {extras}, r.code, {title} AS title
            FROM (SELECT * FROM cases WHERE kept = 0 ORDER BY excess DESC, at, requisition_id LIMIT :limit) AS c
            LEFT JOIN requisitions r ON r.id = c.requisition_id
            ORDER BY c.excess DESC, c.at, c.requisition_id"""
        return tally, [b for b in (self._breach(dict(row)) for row in self.conn.execute(sql, params)) if b]

    def _breach(self, data: dict[str, Any]) -> MetricBreach | None:
        try:
            return MetricBreach.model_validate(data, context=STORED)
        except ValidationError as exc:  # read from a damaged requisition or commitment: noted, left out
            table, row_id = (
                ("requisitions", data.get("requisition_id"))
                if data.get("code")
                else ("commitments", data.get("commitment_id"))
            )
            self.damage.record(table, {"id": row_id, "code": data.get("code")}, exc)
            return None

    def stale_requisition_tally(self, days: float, until: dt.datetime, weeks: int) -> list[tuple[int, int]]:
        """(not stale, running) at `until` and at the end of each earlier week; index 0 is `until`.

        A requisition is stale at a week-end W when it is running at W and its last status change (or
        its opening) is more than `days` before W: it was running at W - days and nothing happened in
        [W - days, W]. A re-opened requisition (filled -> sourcing) starts afresh at the re-open.

        Both halves are counted from index ranges, without pairing each change with the next (a
        window function or a seek per change costs ~1 s at 100,000 requisitions):
        - running at a moment X = the requisitions opened by X, less those opened paused or closed,
          plus the changes up to X out of a paused or closed status, less those into one (telescoping
          per requisition). Paused and closed changes are few and counted from indexes alone; a
          requisition's opening status is kept once it first changes (or is its status).
        - of the requisitions running at W - days, those with a change in [W - days, W] are found by
          their first change there: out of a running status, with the change before it (or the
          opening) before W - days; one opened in [W - days, W] was not running before it.
        """
        running = ",".join(f"'{s}'" for s in self._RUNNING)
        stopped = ",".join(f"'{s.value}'" for s in RequisitionStatus if s.value not in self._RUNNING)
        ends = [until - dt.timedelta(days=7 * k) for k in range(weeks)]
        starts = [end - dt.timedelta(days=float(days)) for end in ends]
        # The moments whose running count is needed: just before each [W - days, W] (exclusive) and at
        # each W (inclusive); the changes and openings between consecutive moments are summed once.
        moments = sorted({(_to_sql(s), False) for s in starts} | {(_to_sql(e), True) for e in ends})
        params: dict[str, Any] = {}
        parts: list[str] = []
        for i, (moment, inclusive) in enumerate(moments):
            params[f"m{i}"] = moment
            upper = f"{{col}} {'<=' if inclusive else '<'} :m{i}"
            lower = "" if i == 0 else f"AND {{col}} {'>' if moments[i - 1][1] else '>='} :m{i - 1}"
            parts.append(f"""
                SELECT {i}, COUNT(*) FROM requisitions AS r INDEXED BY requisitions_opened
                WHERE {upper.format(col="r.opened_at")} {lower.format(col="r.opened_at")}""")
            parts.append(f"""
                SELECT {i}, -COUNT(*) FROM pipeline_events AS e INDEXED BY pipeline_events_status_to
                WHERE e.kind = 'status_change' AND e.to_status IN ({stopped})
                  AND {upper.format(col="e.at")} {lower.format(col="e.at")}""")
            parts.append(f"""
                SELECT {i}, COUNT(*) FROM pipeline_events AS e INDEXED BY pipeline_events_status_from
                WHERE e.kind = 'status_change' AND e.from_status IN ({stopped})
                  AND {upper.format(col="e.at")} {lower.format(col="e.at")}""")
        partial = [0] * len(moments)
        for i, value in self.conn.execute(" UNION ALL ".join(parts), params):
            partial[i] += value or 0
        # Requisitions opened paused or closed (an import can bring them so): the status they were opened
        # in is kept once they change (schema migration 11), and until then it is their status. Few, so
        # each is placed by its opening.
        opened_stopped = self.conn.execute(f"""
            SELECT r.opened_at FROM requisitions AS r INDEXED BY requisitions_opened_status
            WHERE COALESCE(r.opened_status, r.status) IN ({stopped})""").fetchall()
        keys = [moment for moment, _ in moments]
        for (opened_at,) in opened_stopped:
            i = bisect.bisect_left(keys, opened_at)
            while i < len(moments) and not (opened_at < keys[i] or (moments[i][1] and opened_at == keys[i])):
                i += 1
            if i < len(moments):
                partial[i] -= 1
        running_at: dict[tuple[str, bool], int] = {}
        total = 0
        for moment, value in zip(moments, partial, strict=False):
            total += value
            running_at[moment] = total

        # Of those running at W - days, the ones with a change in [W - days, W]: their first change there
        # came out of a running status and the change before it (or the opening) was before W - days;
        # each status change carries when that was (schema migration 12).
        moved: list[str] = []
        for k, (start, end) in enumerate(zip(starts, ends, strict=False)):
            params[f"s{k}"], params[f"e{k}"] = _to_sql(start), _to_sql(end)
            moved.append(f"""
                SELECT {k}, COUNT(*) FROM pipeline_events AS e INDEXED BY pipeline_events_status_prev
                WHERE e.kind = 'status_change' AND e.at >= :s{k} AND e.at <= :e{k}
                  AND e.prev_status_at < :s{k} AND e.from_status IN ({running})""")
        moved_from_running = dict(self.conn.execute(" UNION ALL ".join(moved), params).fetchall())
        tally = []
        for k, (start, end) in enumerate(zip(starts, ends, strict=False)):
            running_now = running_at[(_to_sql(end), True)]
            stale = running_at[(_to_sql(start), False)] - moved_from_running.get(k, 0)
            tally.append((running_now - stale, running_now))
        return tally

    # Commitments are dated by when their outcome became known or when they fell due, whichever came
    # first: keeping a promise early counts at once; keeping it late counts on its due date (and is late).
    _OUTCOME_DAY = (
        "CASE WHEN c.closed_at IS NOT NULL AND date(c.closed_at) < c.due THEN date(c.closed_at) ELSE c.due END"
    )

    def follow_through_by_owner(self, since: dt.date, until: dt.date) -> dict[int, dict[str, int]]:
        """{owner id: {kept, missed, late}} of commitments whose outcome day falls in [since, until]."""
        sql = f"""
            SELECT c.owner_id, SUM(c.status = 'kept'), SUM(c.status = 'missed'),
                   SUM(c.status = 'kept' AND date(c.closed_at) > c.due)
            FROM commitments c
            WHERE c.status IN ('kept', 'missed') AND c.due >= :since AND {self._OUTCOME_DAY} BETWEEN :since AND :until
            GROUP BY c.owner_id"""
        # The outcome day is never after the due date, so `due >= since` holds for every row counted:
        # it lets the commitments_due index skip the years of history before the window.
        params = {"since": since.isoformat(), "until": until.isoformat()}
        return {
            owner: {"kept": kept, "missed": missed, "late": late}
            for owner, kept, missed, late in self.conn.execute(sql, params)
        }

    def follow_through_weekly_by_owner(self, until: dt.date, weeks: int) -> list[tuple[int, int, int, int]]:
        """(owner id, weeks ago, kept, missed); week 0 is the seven days ending on `until`."""
        sql = f"""
            SELECT c.owner_id, CAST((julianday(:until) - julianday({self._OUTCOME_DAY})) / 7 AS INTEGER) AS week,
                   SUM(c.status = 'kept'), SUM(c.status = 'missed')
            FROM commitments c
            WHERE c.status IN ('kept', 'missed') AND c.due > :first
              AND {self._OUTCOME_DAY} > :first AND {self._OUTCOME_DAY} <= :until
            GROUP BY c.owner_id, week"""
        first = until - dt.timedelta(days=7 * weeks)
        # `due > first` is implied (the outcome day is never after the due date) and uses the index.
        rows = self.conn.execute(sql, {"first": first.isoformat(), "until": until.isoformat()})
        return [(owner, week, kept, missed) for owner, week, kept, missed in rows]

    def open_commitments_by_owner(self, today: dt.date) -> dict[int, tuple[int, int]]:
        """{owner id: (open, overdue)}; overdue = still open after its due date (never missed silently)."""
        sql = "SELECT owner_id, COUNT(*), SUM(due < ?) FROM commitments WHERE status = 'open' GROUP BY owner_id"
        return {owner: (n, overdue) for owner, n, overdue in self.conn.execute(sql, (today.isoformat(),))}

    def dispute_record(self, since: dt.datetime, until: dt.datetime, by: str = "person") -> dict[Any, dict[str, Any]]:
        """{person id or team: {raised, resolved, median_days}}; see `dispute_records`."""
        return self.dispute_records(since, until)[by]

    def dispute_records(self, since: dt.datetime, until: dt.datetime) -> dict[str, dict[Any, dict[str, Any]]]:
        """{"person": {person id: …}, "team": {team: …}}, each {raised, resolved, median_days}: disputes
        raised in [since, until], disputes the person (or a team member) was party to that were
        resolved in it, and the median days those took from opening to resolution.

        One query for both (the track record shows both), reading only the disputes opened or
        closed in the window: the rest count for nobody."""
        sql = """
            SELECT d.id, p.id, p.team, p.id = d.raised_by_id, d.status, d.opened_at, d.closed_at,
                   julianday(d.closed_at) - julianday(d.opened_at)
            FROM disputes d JOIN people p ON p.id IN (d.raised_by_id, d.counterpart_id)
            WHERE (d.opened_at >= :since AND d.opened_at <= :until)
               OR (d.status = 'resolved' AND d.closed_at >= :since AND d.closed_at <= :until)"""
        since_sql, until_sql = _to_sql(since), _to_sql(until)
        # {who: {dispute id: (raised, resolved days or None)}}: a dispute counts once for a team even
        # when both parties are in it (raised if either raised it).
        parties: dict[str, dict[Any, dict[int, tuple[bool, float | None]]]] = {"person": {}, "team": {}}
        cursor = self.conn.cursor()
        cursor.row_factory = None
        params = {"since": since_sql, "until": until_sql}
        for dispute_id, person_id, team, raised_it, status, opened, closed, days in cursor.execute(sql, params):
            raised = bool(raised_it) and since_sql <= opened <= until_sql
            resolved = status == "resolved" and closed is not None and since_sql <= closed <= until_sql
            for kind, who in (("person", person_id), ("team", team)):
                seen = parties[kind].setdefault(who, {})
                was_raised, was_days = seen.get(dispute_id, (False, None))
                seen[dispute_id] = (was_raised or raised, days if resolved else was_days)
        result: dict[str, dict[Any, dict[str, Any]]] = {"person": {}, "team": {}}
        for kind, by_who in parties.items():
            for who, disputes in by_who.items():
                durations = [days for _, days in disputes.values() if days is not None]
                result[kind][who] = {
                    "raised": sum(raised for raised, _ in disputes.values()),
                    "resolved": len(durations),
                    "median_days": statistics.median(durations) if durations else None,
                }
        return result

    # -- import/export ---------------------------------------------------------------------------

    def import_keys(self) -> tuple[dict[str, int], dict[str, int]]:
        """Every requisition's external id -> id, and case-folded code -> id: how import rows are matched."""
        external, codes = {}, {}
        for req_id, code, external_id in self.conn.execute("SELECT id, code, external_id FROM requisitions"):
            codes[code.casefold()] = req_id
            if external_id:
                external[external_id] = req_id
        return external, codes

    def add_people_for_import(self, people: Sequence[Person]) -> list[Person]:
        """Creates the people an import names who are not in the team yet, audited, in the caller's transaction."""
        with self.transaction():
            return [self.add_person(person) for person in people]

    # An import is checked row by row before anything is written; the rows that passed wait in
    # temporary tables of this connection (a file SQLite manages outside the database, so memory
    # stays bounded and the database is untouched until the write). Moving them with INSERT ...
    # SELECT keeps the full-text index fast: FTS5 buffers a whole statement's terms, while one
    # INSERT per row flushes its index every row (measured: 7.4 s against 2.7 s for 100,000 rows).
    _STAGED_CHUNK = 1000

    @contextmanager
    def import_staging(self) -> Iterator[None]:
        """Empty staging tables for one import, dropped afterwards whatever happens."""
        self._drop_import_staging()
        names = self._staged_columns()
        self.conn.execute(f"CREATE TEMP TABLE import_new (seq INTEGER PRIMARY KEY, {', '.join(names)}, audit TEXT)")
        self.conn.execute(
            "CREATE TEMP TABLE import_updates (seq INTEGER PRIMARY KEY, row INTEGER, requisition_id INTEGER, data BLOB)"
        )
        self.conn.execute("CREATE TEMP TABLE import_people (stand_in INTEGER PRIMARY KEY, id INTEGER)")
        try:
            yield
        finally:
            self._drop_import_staging()

    def _drop_import_staging(self) -> None:
        for table in ("import_new", "import_updates", "import_people"):
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")

    def _staged_columns(self) -> list[str]:
        return [n for n in self._columns("requisitions") if n in Requisition.model_fields and n not in ("id", "code")]

    def stage_new_requisitions(self, reqs: Sequence[Requisition]) -> None:
        """Queues checked requisitions to create; people not created yet carry negative stand-in ids."""
        names = self._staged_columns()
        self.conn.executemany(
            f"INSERT INTO temp.import_new ({', '.join(names)}, audit) VALUES ({', '.join('?' for _ in names)}, ?)",
            # The audit entry is serialised by pydantic now; id, code and people are filled in on insert.
            [(*row, req.model_dump_json()) for req, row in zip(reqs, _import_rows(reqs, names), strict=True)],
        )

    def stage_requisition_updates(self, updates: Sequence[tuple[int, int, bytes]]) -> None:
        """Queues (row number, requisition id, the row's values as the importer serialised them)."""
        self.conn.executemany("INSERT INTO temp.import_updates (row, requisition_id, data) VALUES (?, ?, ?)", updates)

    def insert_staged_requisitions(
        self,
        people: dict[int, int],
        progress: Callable[[int], None] | None = None,
        batches: ShortTransactions | None = None,
    ) -> int:
        """Creates every staged requisition, codes in file order, each audited as an import; returns how many.

        `people` maps the stand-in ids of people created by this import to their real ids.
        `progress(created so far)` is called after each thousand. With `batches` (already entered) the
        rows are written in its short transactions, a thousand at a time between its checkpoints,
        instead of in one transaction; each thousand takes the ids after whatever was written meanwhile.
        """
        names = self._staged_columns()
        staged = [
            f"CASE WHEN s.{n} < 0 THEN (SELECT p.id FROM temp.import_people p WHERE p.stand_in = s.{n}) ELSE s.{n} END"
            if n in ("sales_owner_id", "recruiter_id")
            else f"s.{n}"
            for n in names
        ]
        with self.transaction() if batches is None else contextlib.nullcontext():
            self.conn.execute("DELETE FROM temp.import_people")
            self.conn.executemany("INSERT INTO temp.import_people (stand_in, id) VALUES (?, ?)", people.items())
            total = self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM temp.import_new").fetchone()[0]
            now, actor = _to_sql(self.now()), self.actor
            for start in range(0, total, self._STAGED_CHUNK):
                if batches is not None:
                    batches.checkpoint()
                # Row `seq` of the file becomes id base + seq: after the last requisition there is now.
                last_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM requisitions").fetchone()[0] - start
                end = min(start + self._STAGED_CHUNK, total)
                self.conn.execute(
                    f"INSERT INTO requisitions (id, code, {', '.join(names)}) "
                    f"SELECT :base + s.seq, printf('REQ-%04d', :base + s.seq), {', '.join(staged)} "
                    "FROM temp.import_new s WHERE s.seq > :start AND s.seq <= :end ORDER BY s.seq",
                    {"base": last_id, "start": start, "end": end},
                )
                # The same rows `audit()` writes: the pydantic record with its id, code and people now known.
                audit_chain.append(
                    self.conn,
                    self.conn.execute(
                        "SELECT :now, :actor, 'requisition', r.id, 'import', NULL, json_set(s.audit, '$.id', r.id, "
                        "'$.code', r.code, '$.sales_owner_id', r.sales_owner_id, '$.recruiter_id', r.recruiter_id) "
                        "FROM temp.import_new s JOIN requisitions r ON r.id = :base + s.seq "
                        "WHERE s.seq > :start AND s.seq <= :end ORDER BY s.seq",
                        {"base": last_id, "start": start, "end": end, "now": now, "actor": actor},
                    ).fetchall(),
                )
                if progress is not None:
                    progress(end)
        return total

    def iter_staged_updates(self) -> Iterator[tuple[int, int, bytes]]:
        """(row number, requisition id, data) of each staged update in file order, read a page at a time."""
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT seq, row, requisition_id, data FROM temp.import_updates WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, self._STAGED_CHUNK),
            ).fetchall()
            if not rows:
                return
            for _seq, row, requisition_id, data in rows:
                yield row, requisition_id, data
            last = rows[-1][0]

    def update_imported_requisition(
        self,
        before: Requisition,
        after: Requisition,
        note: str = "",
        actor_id: int | None = None,
        action: str = "import",
    ) -> Requisition:
        """Applies what a record of fact says (an ATS export, a dispute story). A status change is
        recorded as a pipeline event but not checked against the interactive transitions: the record
        reports a fact, it does not ask."""
        with self.transaction():
            after = after.model_copy(update={"id": before.id, "code": before.code})
            self._update("requisitions", after, before, "requisition", action=action)
            if after.status != before.status:
                self._add_event(
                    PipelineEvent(
                        requisition_id=before.id,
                        kind=EventKind.STATUS_CHANGE,
                        at=self.now(),
                        actor_id=actor_id,
                        note=note,
                        from_status=before.status,
                        to_status=after.status,
                    )
                )
        return after

    def record_import(self, summary: dict[str, Any], *, finished: bool = True) -> None:
        """One audit entry per import, beside the per-requisition ones: which file, what it did. An
        import written in short transactions records in each (`finished=False`) how far it has come."""
        with self.transaction():
            self.audit("import", None, "requisitions" if finished else "batch", None, summary)

    def last_import_of(self, sha256: str) -> tuple[bool, dict[str, Any]] | None:
        """(finished, what it recorded) for the latest import of the file with this content, if any."""
        row = self.conn.execute(
            "SELECT action, after FROM events WHERE entity = 'import' AND json_valid(after) "
            "AND json_extract(after, '$.sha256') = ? ORDER BY id DESC LIMIT 1",
            (sha256,),
        ).fetchone()
        return None if row is None else (row[0] != "batch", json.loads(row[1]))

    def interrupted_imports(self) -> list[dict[str, Any]]:
        """What each import that stopped before its end had committed (the latest record of each file)."""
        rows = self.conn.execute(
            "SELECT e.action, e.after FROM events e WHERE e.entity = 'import' AND json_valid(e.after) AND e.id = "
            "(SELECT MAX(f.id) FROM events f WHERE f.entity = 'import' AND json_valid(f.after) "
            " AND json_extract(f.after, '$.sha256') IS json_extract(e.after, '$.sha256'))"
        ).fetchall()
        return [json.loads(after) for action, after in rows if action == "batch"]

    def iter_requisitions_for_export(self, batch: int = 5000) -> Iterator[tuple[Requisition, str, str | None]]:
        """Every requisition in code order with its sales owner's and recruiter's names, read in pages."""
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT r.*, s.name AS _owner_name, rc.name AS _recruiter_name FROM requisitions r "
                "JOIN people s ON s.id = r.sales_owner_id LEFT JOIN people rc ON rc.id = r.recruiter_id "
                "WHERE r.id > ? ORDER BY r.id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                data = dict(row)
                if (req := self._model(Requisition, "requisitions", data)) is not None:
                    yield req, data["_owner_name"], data["_recruiter_name"]
            last = rows[-1]["id"]

    # -- rules inputs ----------------------------------------------------------------------------

    def filled_history(self) -> list[tuple[str | None, str, str, float]]:
        """(grade, engagement, title, days from opened to closed) of every filled requisition: the
        time-to-fill history, with the title so the rules can find similar requisitions."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        return cursor.execute(
            "SELECT grade, engagement, title, julianday(closed_at) - julianday(opened_at) FROM requisitions "
            "WHERE status = ? AND closed_at IS NOT NULL AND closed_at >= opened_at",
            (RequisitionStatus.FILLED.value,),
        ).fetchall()

    def open_requisitions_by_recruiter(self) -> dict[int, int]:
        """{recruiter id: open requisitions assigned}: each recruiter's workload, from the data
        (an index range per status on requisitions_recruiter_status)."""
        statuses = sorted(str(s) for s in OPEN_STATUSES)
        rows = self.conn.execute(
            "SELECT recruiter_id, COUNT(*) FROM requisitions WHERE recruiter_id IS NOT NULL "
            f"AND status IN ({','.join('?' for _ in statuses)}) GROUP BY recruiter_id",
            statuses,
        ).fetchall()
        return {int(rid): int(n) for rid, n in rows}

    def open_requisitions_by_person(self) -> dict[int, int]:
        """{person id: open requisitions they own as sales or recruit on}: what the Team screen shows
        beside each person (a requisition one person both owns and recruits counts once)."""
        statuses = sorted(str(s) for s in OPEN_STATUSES)
        marks = ",".join("?" for _ in statuses)
        rows = self.conn.execute(
            f"SELECT person, COUNT(DISTINCT id) FROM ("
            f" SELECT sales_owner_id AS person, id FROM requisitions WHERE status IN ({marks})"
            f" UNION ALL SELECT recruiter_id, id FROM requisitions WHERE recruiter_id IS NOT NULL AND status IN ({marks})"
            f") GROUP BY person",
            [*statuses, *statuses],
        ).fetchall()
        return {int(pid): int(n) for pid, n in rows}

    def record_story(self, now: dt.datetime, source: str, summary: dict[str, Any]) -> None:
        """Notes that a dispute story was loaded, with the story's present: the file's clock from then on."""
        with self.transaction():
            self.audit("database", None, "story", None, {"now": _to_sql(now), "source": source, **summary})

    def story_clock(self) -> dt.datetime | None:
        """The present of the last story loaded into this file (see `record_story`), or None."""
        row = self.conn.execute(
            "SELECT after FROM events WHERE entity = 'database' AND action = 'story' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        try:
            return dt.datetime.fromisoformat(json.loads(row[0])["now"])
        except (ValueError, KeyError, TypeError):
            return None

    def filled_durations(self) -> list[tuple[str | None, str, float]]:
        """(grade, engagement, days from opened to closed) of every filled requisition: time-to-fill history."""
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: tens of thousands of rows, read from requisitions_closed
        return cursor.execute(
            "SELECT grade, engagement, julianday(closed_at) - julianday(opened_at) FROM requisitions "
            "WHERE status = ? AND closed_at IS NOT NULL AND closed_at >= opened_at",
            (RequisitionStatus.FILLED.value,),
        ).fetchall()

    def closed_outcomes(self, standard_fee_pct: float) -> list[tuple[str, bool | None, int, int]]:
        """(engagement, fee at or above the standard (None: no fee), filled, closed) over closed requisitions."""
        closed = sorted(str(s) for s in CLOSED_STATUSES)
        rows = self.conn.execute(
            "SELECT engagement, CASE WHEN fee_pct IS NULL THEN NULL ELSE fee_pct >= ? END AS standard, "
            "SUM(status = ?), COUNT(*) FROM requisitions "
            f"WHERE status IN ({','.join('?' for _ in closed)}) GROUP BY 1, 2",
            (standard_fee_pct, RequisitionStatus.FILLED.value, *closed),
        )
        return [
            (engagement, None if standard is None else bool(standard), int(filled), int(total))
            for engagement, standard, filled, total in rows
        ]

    def count_disputes_between(
        self, person_a: int, person_b: int, since: dt.datetime, exclude_id: int | None = None
    ) -> int:
        """Disputes between two people (either raising) opened since `since`, other than `exclude_id`."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM disputes WHERE opened_at >= ? AND id != ? AND "
            "((raised_by_id = ? AND counterpart_id = ?) OR (raised_by_id = ? AND counterpart_id = ?))",
            (_to_sql(since), exclude_id or 0, person_a, person_b, person_b, person_a),
        ).fetchone()[0]

    def commitment_tallies_by_owner(self, since: dt.date, until: dt.date) -> dict[int, dict[str, int]]:
        """{owner id: {status: count}} of commitments due in [since, until]: `commitment_tally` for
        everyone at once (one pass over the commitments_due_owner index), so the rules read each
        person's and each team's follow-through from one answer."""
        empty = {str(s): 0 for s in CommitmentStatus}
        tallies: dict[int, dict[str, int]] = {}
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: thousands of (owner, status) groups
        rows = cursor.execute(
            "SELECT owner_id, status, COUNT(*) FROM commitments WHERE due >= ? AND due <= ? GROUP BY owner_id, status",
            (since.isoformat(), until.isoformat()),
        ).fetchall()
        for owner_id, status, n in rows:
            tally = tallies.get(owner_id)
            if tally is None:
                tally = tallies[owner_id] = dict(empty)
            tally[status] = n
        return tallies

    # -- change detection and background reads (issue 8: a console that never stutters) ------------
    # Screens keep what they showed until the data changes, and slow counts run in worker threads on
    # a second, read-only connection: on the main one they would hold SQLite's lock while the UI
    # thread waits for its page, and interrupting them would interrupt the UI's queries too.

    def outside_version(self) -> int:
        """SQLite's data_version: changes when another connection (another console, a CLI import) commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def data_version(self) -> tuple[int, int]:
        """Changes whenever anything was written: by this connection (its change count) or by another
        process (SQLite's data_version). Cheap enough to ask on every screen visit."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes

    def _background_read(self, read: Callable[[sqlite3.Connection], T]) -> T:
        with self._reader_lock:
            reader = self._reader
            if reader is None:
                immutable = "" if os.access(self.path.parent, os.W_OK) else "&immutable=1"
                reader = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?mode=ro{immutable}",
                    uri=True,
                    isolation_level=None,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    check_same_thread=False,
                )
                self._reader = reader
        try:
            return read(reader)
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc).lower():
                raise BackgroundReadInterrupted("the read was stopped because a newer one replaced it") from None
            raise StoreError(f"The database could not be read: {exc}") from None

    def interrupt_background_reads(self) -> None:
        """Stops a background read that is running now (a newer keystroke made its answer stale)."""
        reader = self._reader
        if reader is not None:
            reader.interrupt()

    def background_reader(self) -> Store:
        """This Store reading on a read-only connection of its own, for one worker thread (metrics, track
        record, lists): SQLite serialises a connection, so on the main one a worker's long statement
        makes every UI-thread query wait for it. Use it as `with store.background_reader() as reader:`;
        it cannot write, and closing it leaves this Store open."""
        view = object.__new__(Store)
        view.__dict__.update(self.__dict__)
        immutable = "" if os.access(self.path.parent, os.W_OK) else "&immutable=1"
        try:
            view.conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro{immutable}",
                uri=True,
                isolation_level=None,
                timeout=BUSY_TIMEOUT_MS / 1000,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"The database could not be read: {exc}") from None
        view.conn.row_factory = sqlite3.Row
        view.readonly = True
        view._depth = 0
        view._reader, view._reader_lock = None, threading.Lock()
        # The people list is validated once per change of the people table (~50 ms at 2,500 people):
        # the reader starts with this Store's copy, which it checks against the table like its own. Not
        # while this Store is inside a transaction: the copy may hold people that are then rolled back,
        # and the reader would never hear of the rollback.
        view._people_cache = None if self.conn.in_transaction else self._people_cache
        return view

    # -- the queue: where one requisition sits (issue 8: show a requisition in the queue) -----------

    def queue_position(self, q: QueueQuery, requisition_id: int) -> int | None:
        """The requisition's row offset in the queue as `q` filters and sorts it (how many rows sort
        before it, counted in SQLite), or None when the filter hides it or it does not exist."""
        order = QUEUE_SORTS.get(q.sort, "r.id")
        where, params = self._queue_where(q)
        joined = "FROM requisitions r JOIN people s ON s.id = r.sales_owner_id"
        glue = " AND " if where else " WHERE "
        found = self.conn.execute(f"SELECT {order} {joined}{where}{glue}r.id = ?", [*params, requisition_id]).fetchone()
        if found is None:
            return None
        key = found[0]
        # The same order as queue_sql: the sort key with unknown values last either way, then the id.
        before = ">" if q.descending else "<"
        if key is None:
            condition, extra = f"({order} IS NOT NULL OR r.id {before} ?)", [requisition_id]
        else:
            condition = f"({order} {before} ? OR ({order} = ? AND r.id {before} ?))"
            extra = [key, key, requisition_id]
        return self.conn.execute(f"SELECT COUNT(*) {joined}{where}{glue}{condition}", [*params, *extra]).fetchone()[0]

    # -- whole-file operations -------------------------------------------------------------------

    def backup(
        self,
        dest: str | os.PathLike[str],
        *,
        force: bool = False,
        protect: Sequence[str | os.PathLike[str]] = (),
    ) -> Path:
        """An online, consistent copy through SQLite's backup API, readable by the owner only.

        Written through `safe_file`: never onto this database or its side files (nor those of the
        databases in `protect`), never through a symlink, never over an existing file unless `force`,
        and never left half-written.
        """
        dest = Path(dest).expanduser()
        if dest.is_dir() and not dest.is_symlink():
            dest = dest / f"{self.path.stem}-{self.now().strftime('%Y%m%dT%H%M%S')}.db"
        try:
            with safe_file.staged_file(dest, protect=[self.path, *protect], force=force, what="backup") as tmp:
                target = sqlite3.connect(tmp)
                try:
                    self.conn.backup(target)
                    target.execute("PRAGMA journal_mode = DELETE")
                finally:
                    target.close()
        except safe_file.UnsafeTarget as exc:
            raise StoreError(str(exc)) from None
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"The backup to {dest} failed: {exc}") from None
        return dest

    def counts(self) -> dict[str, int]:
        tables = [
            "people",
            "requisitions",
            "pipeline_events",
            "disputes",
            "expectations",
            "commitments",
            "standups",
            "standup_items",
            "events",
        ]
        return {t: self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    def doctor(self, against: audit_chain.Head | None = None) -> DoctorReport:
        """Checks the file (db/doctor.py): `against` is an audit head recorded earlier (a backup's)
        that must still be in the chain."""
        integrity = "; ".join(row[0] for row in self.conn.execute("PRAGMA integrity_check"))
        fk_problems = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        mode_bits = stat.S_IMODE(os.stat(self.path).st_mode)
        others = bool(mode_bits & (stat.S_IRWXG | stat.S_IRWXO))
        problems = doctor_checks.run_checks(self.conn, against)
        self.conn.row_factory = sqlite3.Row
        report = DoctorReport(
            path=str(self.path),
            ok=integrity == "ok" and not fk_problems and not problems,
            integrity=integrity,
            schema_version=self.conn.execute("PRAGMA user_version").fetchone()[0],
            journal_mode=self.conn.execute("PRAGMA journal_mode").fetchone()[0],
            foreign_keys=bool(self.conn.execute("PRAGMA foreign_keys").fetchone()[0]),
            mode=oct(mode_bits),
            readable_by_others=others,
            counts=self.counts(),
            problems=problems,
            audit_head=str(audit_chain.read_head(self.conn)),
        )
        if fk_problems:
            report.warnings.append(f"{len(fk_problems)} rows point at records that do not exist")
        if others:
            report.warnings.append(
                f"The database file is readable by other users ({oct(mode_bits)}); run: chmod 600 {self.path}"
            )
        if self.readonly:
            report.warnings.append("The database is open read-only")
        for stopped in self.interrupted_imports():
            done = stopped.get("committed", {})
            report.warnings.append(
                f"The import of {stopped.get('file')} stopped before its end: {done.get('created', 0):,} "
                f"requisitions created and {done.get('updated', 0):,} updated were committed, each with its audit "
                "row; import the same file again to finish it"
            )
        return report

    def repair(self) -> DoctorReport:
        """`doctor --repair`: a backup beside the file first, then what can be rebuilt safely (triggers,
        indexes, views, the search index, the counts) in one audited transaction; the report after it
        lists what is still wrong (a broken audit chain, records their model refuses)."""
        problems = doctor_checks.run_checks(self.conn)
        self.conn.row_factory = sqlite3.Row
        backup: Path | None = None
        done: list[str] = []
        if any(p.repairable for p in problems):
            stamp = self.now().strftime("%Y%m%dT%H%M%S")
            backup = self.backup(self.path.with_name(f"{self.path.name}.pre-repair-{stamp}.bak"))
            with self.transaction():
                done = doctor_checks.repair(self.conn, problems)
                self.audit("database", None, "repair", None, {"repaired": done, "backup": str(backup)})
        report = self.doctor()
        report.repaired = done
        report.repair_backup = backup
        return report

    def is_demo(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM events WHERE entity = 'database' AND action = 'demo' LIMIT 1").fetchone()
        return row is not None

    def is_empty(self) -> bool:
        """True when nothing has been entered yet (the proposed default expectations do not count)."""
        counts = self.counts()
        return all(counts[t] == 0 for t in ("people", "requisitions", "disputes", "commitments", "standups"))


def _conflict(exc: sqlite3.IntegrityError, entity: str) -> str:
    """A constraint the record broke, in words for the lead ("UNIQUE constraint failed: people.name")."""
    message = str(exc)
    if message.startswith("UNIQUE constraint failed:"):
        column = message.rsplit(".", 1)[-1].replace("_", " ")
        return f"Another {entity} already has this {column}"
    return f"The {entity} was not saved: {message}"


def _unsaved(exc: sqlite3.OperationalError) -> str:
    """Why a change was not saved, in words for the lead (the file itself is left as it was)."""
    text = str(exc).lower()
    if "full" in text:
        return "The change was not saved: the disk is full. Free some space and try again."
    if "locked" in text or "busy" in text:
        return "The change was not saved: another program kept the database busy. Try again."
    if "readonly" in text or "read-only" in text:
        return "The change was not saved: the database file cannot be written (read-only)."
    return f"The change was not saved: {exc}"


# `_to_sql` by the value's exact type, for the import's bulk insert where `_to_sql`'s checks add up.
_IMPORT_SQL: dict[type, Callable[[Any], Any]] = {
    bool: int,
    dt.datetime: lambda v: v.replace(microsecond=0).isoformat(sep=" "),
    dt.date: lambda v: v.isoformat(),
    RequisitionStatus: lambda v: v.value,
    Engagement: lambda v: v.value,
}


def _import_rows(reqs: Sequence[Requisition], names: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """Each requisition's values for `names`, as SQL values (runs 100,000 times an import: kept lean)."""
    pick = operator.itemgetter(*names)
    convert = _IMPORT_SQL.get
    for req in reqs:
        yield tuple(
            [value if (to_sql := convert(type(value))) is None else to_sql(value) for value in pick(req.__dict__)]
        )


__all__ = [
    "Store",
    "StoreError",
    "NewerSchemaError",
    "RejectedChange",
    "BackgroundReadInterrupted",
    "QueueQuery",
    "QUEUE_SORTS",
    "fts_query",
    "utcnow",
    "DoctorReport",
]
