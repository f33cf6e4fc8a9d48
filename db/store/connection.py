"""The connection under every Store concern: opening, pragmas, migrations, transactions, the audit row,
the generic row helpers, versioned edits, change detection and the background reader."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from pydantic import BaseModel, ValidationError

from mediation_console.db import audit as audit_chain
from mediation_console.db import safe_file, writers
from mediation_console.db.damage import DamagedRow, DamageRegister, ScanControl
from mediation_console.db.damage import scan as damage_scan
from mediation_console.db.models import (
    REQUISITION_DERIVED,
    STORED,
    AuditEvent,
    Commitment,
    Dispute,
    Expectation,
    Person,
    PipelineEvent,
    Record,
    Requisition,
    Standup,
    StandupItem,
    edited_fields,
)
from mediation_console.db.schema import SCHEMA_VERSION, run_migration

if TYPE_CHECKING:
    from mediation_console.db.store import Store

M = TypeVar("M", bound=Record)
T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
# A transaction begun with `waiting`: how long each try for the write lock may wait inside SQLite, and
# the pause between tries (this connection is free for other threads' reads during the pause).
WAIT_TRY_MS = 20
WAIT_POLL_S = 0.05
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


def _read_only(path: Path, immutable: str) -> sqlite3.Connection:
    """A read-only connection to the file (`immutable` is "" or "&immutable=1"), usable from any thread."""
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro{immutable}",
        uri=True,
        isolation_level=None,
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,
    )


def _conflict(exc: sqlite3.IntegrityError, entity: str) -> str:
    """A constraint the record broke, in words for the lead ("UNIQUE constraint failed: people.name")."""
    message = str(exc)
    if message.startswith("UNIQUE constraint failed:"):
        column = message.rsplit(".", 1)[-1].replace("_", " ")
        return f"Another {entity} already has this {column}"
    return f"The {entity} was not saved: {message}"


# What SQLite says of a statement that is going well. A worker thread may be reading on the connection
# while another thread's BEGIN fails (the console's reads beside a save that waits for the lock), and
# SQLite keeps one error message per connection: the failed BEGIN can read as the read's step.
_NOT_AN_ERROR = ("another row available", "no more rows available", "not an error")


def _lock_taken(exc: sqlite3.DatabaseError) -> bool:
    """Whether a BEGIN failed because another connection holds the write lock (try again soon), not for
    a reason waiting does not mend (a full disk, a file that cannot be written)."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text or text in _NOT_AN_ERROR


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


class StoreConnection:
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
        # The thread whose transaction is open; another thread's transaction waits for it (the lock).
        self._owner: int | None = None
        self._transaction_lock = threading.Lock()
        self._rollbacks = 0  # transactions rolled back: part of table_versions()
        self._created = False
        # A second, read-only connection for worker threads, opened on first use (see _background_read).
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()
        self._people_cache: tuple[Any, list[Person]] | None = None
        # The same people by id, made from the list above once per version of it (`people_by_id`).
        self._people_by_id_cache: tuple[list[Person], Mapping[int, Person]] | None = None
        # Rows the reads skipped because their model refuses them (db.damage): screens show them.
        self.damage = DamageRegister()
        # Stops a damaged-row scan running in a worker (closing the Store does): see scan_for_damage.
        self.damage_scan = ScanControl()
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
        if not self.in_memory:  # no file to check or create
            self._prepare_file(path)
        try:
            if self.readonly:
                # A WAL file needs its -shm beside it even to be read; where the folder cannot be
                # written (a read-only mount) SQLite can only read it as an immutable file.
                immutable = "" if os.access(path.parent, os.W_OK) else "&immutable=1"
                conn = _read_only(path, immutable)
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

    def _prepare_file(self, path: Path) -> None:
        """Check the database file can be opened as asked (or create it, private), else raise StoreError."""
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a database file")
        if not path.parent.exists():
            raise StoreError(f"The folder {path.parent} does not exist")
        if path.exists():
            if not stat.S_ISREG(os.stat(path).st_mode):
                # A device or a pipe: SQLite would block on a FIFO forever, and a device would be chmod-ed.
                raise StoreError(f"{path} {safe_file.NOT_REGULAR}, so it is not a database file")
            if not os.access(path, os.R_OK):
                raise StoreError(f"{path} cannot be read (permission denied)")
            owner_can_write = bool(os.stat(path).st_mode & stat.S_IWUSR)
            if not self.readonly and not (
                owner_can_write and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
            ):
                # Open what we can rather than refuse: the app shows a read-only banner.
                self.readonly = True
            try:
                with safe_file.open_for_reading(path) as handle:  # a path swapped for a FIFO meanwhile
                    header = handle.read(16)
            except OSError as exc:
                raise StoreError(f"{path} cannot be read: {exc.strerror or exc}") from None
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

    def _pre_migration_backup(self, version: int) -> Path:
        stamp = self.now().strftime("%Y%m%dT%H%M%S")
        # Unique: a migration killed after its backup and run again in the same second takes its own.
        dest = safe_file.unique_path(self.path.with_name(f"{self.path.name}.schema{version}-{stamp}.bak"))
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
                self._depth, self._owner = 1, threading.get_ident()
                try:
                    self._on_create(cast("Store", self))
                finally:
                    self._depth, self._owner = 0, None
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
        # A damaged-row scan in a worker (a minute at 1,000,000 requisitions) would hold the process open.
        self.damage_scan.stop()
        reader, self._reader = self._reader, None
        for conn in (reader, self.conn):
            try:
                if conn is not None:
                    conn.close()
            except sqlite3.Error:
                pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and audit -------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, waiting: Callable[[float], None] | None = None) -> Iterator[sqlite3.Connection]:
        """One unit of work; nested calls on the same thread join the outer transaction, and one begun
        on another thread (the console saves off its UI thread) waits for this one to end.

        `waiting(seconds waited)`: while another program holds the write lock, try for it about every
        50 ms without waiting inside SQLite (whose busy handler keeps this connection to itself, so
        the other thread's reads on it would stall), calling `waiting` between tries; it ends the wait
        by raising. Without it, SQLite waits up to BUSY_TIMEOUT_MS."""
        if self.readonly:
            raise StoreError("This database is open read-only; nothing can be changed")
        if self.in_transaction_here:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        if not self._transaction_lock.acquire(blocking=False):
            with writers.waiting(self.path):  # another thread's long write (an import) lets this one in
                self._transaction_lock.acquire()
        try:
            self._owner = threading.get_ident()
            try:
                with self._outermost(waiting):
                    yield self.conn
            finally:
                self._owner = None
        finally:
            self._transaction_lock.release()

    @property
    def in_memory(self) -> bool:
        """Whether this is a database in memory (SQLite's ":memory:"): no file, no other connection to it."""
        return str(self.path) in ("", ":memory:")

    @property
    def in_transaction_here(self) -> bool:
        """Whether this thread has a transaction of this Store open (a new one would join it)."""
        return bool(self._depth) and self._owner == threading.get_ident()

    @contextmanager
    def one_read(self) -> Iterator[None]:
        """The statements inside read one snapshot of the file: a read transaction (none is begun inside
        this thread's own transaction, which already is one)."""
        if self.in_transaction_here:
            yield
            return
        with self._transaction_lock:
            self.conn.execute("BEGIN")
            try:
                yield
            finally:
                self.conn.execute("COMMIT")  # a read: nothing to keep or lose

    def _begin(self, waiting: Callable[[float], None] | None) -> None:
        # First without waiting: a write that finds the lock taken says so (`writers.waiting`) while it
        # waits, so a long write (db/short_transactions.py) pauses for it.
        self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            if not _lock_taken(exc):
                raise StoreError(f"The database is busy or unavailable: {exc}") from None
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if self.conn.in_transaction:
            return
        with writers.waiting(self.path):
            self._wait_and_begin(waiting)

    def _wait_and_begin(self, waiting: Callable[[float], None] | None) -> None:
        if waiting is None:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"The database is busy or unavailable: {exc}") from None
            if not self.conn.in_transaction:  # refused, with the error hidden (see below): nothing written
                raise StoreError("The database is busy or unavailable: the write lock was not granted")
            return
        started = time.monotonic()
        self.conn.execute(f"PRAGMA busy_timeout = {WAIT_TRY_MS}")
        try:
            while True:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    # The same per-connection error state can also hide a refusal altogether (the reading
                    # thread's step left "no error" where the BEGIN's was): then no transaction is open, and
                    # the write would run outside one. Refused all the same: try again.
                    if self.conn.in_transaction:
                        return
                except sqlite3.DatabaseError as exc:  # its class, like its message, is read off the connection
                    if not _lock_taken(exc):
                        raise StoreError(f"The database is busy or unavailable: {exc}") from None
                waiting(time.monotonic() - started)
                time.sleep(WAIT_POLL_S)
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    @contextmanager
    def _outermost(self, waiting: Callable[[float], None] | None) -> Iterator[None]:
        self._begin(waiting)
        self._depth = 1
        try:
            yield
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
        rows = self._dicts(f"SELECT * FROM {table} WHERE id = ?", (id_,))
        return self._model(model, table, rows[0]) if rows else None

    def _dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of `sql`, each as {column: value}: what dict(sqlite3.Row) gives at a sixth of its cost
        (Row finds each of its columns by name, ~12 µs a 40-column requisition; a million in an export)."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        try:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def scan_for_damage(self, *, in_background: bool = False) -> int:
        """Notes in `self.damage` the damaged rows of every record table (db.damage.scan: found by SQL,
        confirmed by their model), before any screen reads them: a screen can say at once that rows are
        left out. `in_background` (from a worker thread) reads on
        a connection of its own, so a screen's count interrupting the shared reader never stops the scan;
        `self.damage_scan.stop()` (closing the Store) stops it at once with db.damage.ScanStopped."""
        if not in_background:
            return damage_scan(self.conn, self.damage)
        with self.background_reader() as reader:
            self.damage_scan.start(reader.conn)
            try:
                return damage_scan(reader.conn, self.damage, control=self.damage_scan)
            except sqlite3.Error as exc:
                raise StoreError(f"The database could not be read: {exc}") from None
            finally:
                self.damage_scan.end()

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

    def _by_nocase(self, model: type[M], table: str, column: str, value: str) -> M | None:
        row = self.conn.execute(f"SELECT * FROM {table} WHERE {column} = ? COLLATE NOCASE", (value.strip(),)).fetchone()
        return None if row is None else self._model(model, table, dict(row))

    def _list(self, model: type[M], sql: str, params: Sequence[Any] = ()) -> list[M]:
        table = _TABLES.get(model, model.__name__)
        return [r for r in (self._model(model, table, row) for row in self._dicts(sql, params)) if r]

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
                reader = _read_only(self.path, immutable)
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

    def background_reader(self) -> Self:
        """This Store reading on a read-only connection of its own, for one worker thread (metrics, track
        record, lists): SQLite serialises a connection, so on the main one a worker's long statement
        makes every UI-thread query wait for it. Use it as `with store.background_reader() as reader:`;
        it cannot write, and closing it leaves this Store open."""
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        immutable = "" if os.access(self.path.parent, os.W_OK) else "&immutable=1"
        try:
            view.conn = _read_only(self.path, immutable)
        except sqlite3.Error as exc:
            raise StoreError(f"The database could not be read: {exc}") from None
        view.conn.row_factory = sqlite3.Row
        view.readonly = True
        view._depth, view._owner = 0, None
        view._reader, view._reader_lock = None, threading.Lock()
        # Its connection is its own: a read transaction on it (one_read) never waits for this Store's.
        view._transaction_lock = threading.Lock()
        view.damage_scan = ScanControl()  # closing the view must not stop this Store's own scan
        # The people list is validated once per change of the people table (~50 ms at 2,500 people):
        # the reader starts with this Store's copy, which it checks against the table like its own. Not
        # while this Store is inside a transaction: the copy may hold people that are then rolled back,
        # and the reader would never hear of the rollback.
        view._people_cache = None if self.conn.in_transaction else self._people_cache
        return view
