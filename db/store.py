"""The Store: the only code that speaks SQL. Opens, migrates and guards the file; returns models."""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from db.models import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUSES,
    OPEN_DISPUTE_STATUSES,
    OPEN_STATUSES,
    REASON_REQUIRED,
    REQUISITION_DERIVED,
    AuditEvent,
    Commitment,
    CommitmentStatus,
    Dispute,
    DisputeStatus,
    EventKind,
    Expectation,
    ExpectationStatus,
    Person,
    PipelineEvent,
    Requisition,
    RequisitionRow,
    RequisitionStatus,
    Standup,
    StandupItem,
    Team,
)
from db.defaults import default_expectations
from db.schema import MIGRATIONS, SCHEMA_VERSION

M = TypeVar("M", bound=BaseModel)

BUSY_TIMEOUT_MS = 10_000
# Tables every Mediation Console file has; a file with other tables and none of these is foreign.
OUR_TABLES = {"people", "requisitions", "events"}


class StoreError(Exception):
    """A problem with the database file, worded for the person at the keyboard."""


class NewerSchemaError(StoreError):
    pass


class RejectedChange(StoreError):
    """A change the rules of the domain do not allow (e.g. a status move that is not offered)."""


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
    "recruiter": "rc.name COLLATE NOCASE",
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


class Store:
    """One open database file. Every write goes through `transaction()` and is audited in it."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        readonly: bool = False,
        now: Callable[[], dt.datetime] = utcnow,
        actor: str = "lead",
    ) -> None:
        self.path = Path(path)
        self.now = now
        self.actor = actor
        self.readonly = readonly
        self.backup_path: Path | None = None
        self._depth = 0
        self.conn = self._connect()
        try:
            self._check_and_migrate()
        except BaseException:
            self.conn.close()
            raise

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
        else:
            if self.readonly:
                raise StoreError(f"{path} does not exist")
            if not os.access(path.parent, os.W_OK):
                raise StoreError(f"Cannot create {path}: the folder is not writable")
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        try:
            if self.readonly:
                conn = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                    timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
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
            tables = {
                row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
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
                f"{self.path} needs upgrading from schema {version} to {SCHEMA_VERSION}, "
                "but it is read-only"
            )
        if version > 0:
            self.backup_path = self._pre_migration_backup(version)
        self._migrate(version)
        if version == 0:
            # A new database starts with the default expectations, proposed for the teams to agree.
            for expectation in default_expectations():
                self.add_expectation(expectation)

    def _pre_migration_backup(self, version: int) -> Path:
        stamp = self.now().strftime("%Y%m%dT%H%M%S")
        dest = self.path.with_name(f"{self.path.name}.schema{version}-{stamp}.bak")
        self.backup(dest)
        return dest

    def _migrate(self, version: int) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            for number in range(version, SCHEMA_VERSION):
                for statement in _split_sql(MIGRATIONS[number]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.conn.execute("ROLLBACK")
            if "disk" in str(exc).lower() or "full" in str(exc).lower():
                raise StoreError(f"Cannot set up {self.path}: the disk is full") from None
            raise

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> "Store":
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
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.conn.execute("ROLLBACK")
            raise StoreError(f"The change could not be saved: {exc}") from None

    def audit(
        self,
        entity: str,
        entity_id: int | None,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        assert self._depth, "the audit log is written inside the change's transaction"
        self.conn.execute(
            "INSERT INTO events (at, actor, entity, entity_id, action, before, after) VALUES (?,?,?,?,?,?,?)",
            (
                _to_sql(self.now()),
                self.actor,
                entity,
                entity_id,
                action,
                None if before is None else json.dumps(before, default=str),
                None if after is None else json.dumps(after, default=str),
            ),
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
        values = self._row_values(table, model, skip=("id",) if model.id is None else ())
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.transaction():
            cursor = self.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(values.values()))
            stored = model.model_copy(update={"id": cursor.lastrowid})
            self.audit(entity, stored.id, "create", None, _jsonable(stored))
        return stored

    def _update(self, table: str, model: M, before: M, entity: str, action: str = "update") -> M:
        skip = ("id", *REQUISITION_DERIVED) if table == "requisitions" else ("id",)
        values = self._row_values(table, model, skip=skip)
        sets = ", ".join(f"{name} = ?" for name in values)
        with self.transaction():
            self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), model.id))
            self.audit(entity, model.id, action, _jsonable(before), _jsonable(model))
        return model

    def _get(self, model: type[M], table: str, id_: int) -> M | None:
        row = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (id_,)).fetchone()
        return None if row is None else model.model_validate(dict(row))

    def _require(self, model: type[M], table: str, id_: int, what: str) -> M:
        found = self._get(model, table, id_)
        if found is None:
            raise RejectedChange(f"{what} {id_} does not exist")
        return found

    def _list(self, model: type[M], sql: str, params: Sequence[Any] = ()) -> list[M]:
        return [model.model_validate(dict(row)) for row in self.conn.execute(sql, params)]

    # -- people ----------------------------------------------------------------------------------

    def add_person(self, person: Person) -> Person:
        if self.person_by_name(person.name):
            raise RejectedChange(f"There is already someone called {person.name}")
        return self._insert("people", person, "person")

    def update_person(self, person: Person) -> Person:
        before = self._require(Person, "people", person.id, "Person")
        return self._update("people", person, before, "person")

    def get_person(self, person_id: int) -> Person | None:
        return self._get(Person, "people", person_id)

    def person_by_name(self, name: str) -> Person | None:
        row = self.conn.execute("SELECT * FROM people WHERE name = ? COLLATE NOCASE", (name.strip(),)).fetchone()
        return None if row is None else Person.model_validate(dict(row))

    def list_people(self, team: Team | str | None = None, active_only: bool = False) -> list[Person]:
        sql, params = "SELECT * FROM people WHERE 1=1", []
        if team:
            sql += " AND team = ?"
            params.append(str(team))
        if active_only:
            sql += " AND active = 1"
        return self._list(Person, sql + " ORDER BY name COLLATE NOCASE", params)

    def people_by_id(self) -> dict[int, Person]:
        return {p.id: p for p in self.list_people()}

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

    def update_requisition(self, req: Requisition) -> Requisition:
        """Saves edited fields. Status moves go through `change_status` so they are checked."""
        with self.transaction():
            before = self._require(Requisition, "requisitions", req.id, "Requisition")
            if req.status != before.status:
                raise RejectedChange("Change the status with the status action, not by editing")
            self._check_people(req)
            req = req.model_copy(update={"updated_at": self.now(), "code": before.code})
            return self._update("requisitions", req, before, "requisition")

    def get_requisition(self, req_id: int) -> Requisition | None:
        return self._get(Requisition, "requisitions", req_id)

    def requisition_by_code(self, code: str) -> Requisition | None:
        row = self.conn.execute(
            "SELECT * FROM requisitions WHERE code = ? COLLATE NOCASE", (code.strip(),)
        ).fetchone()
        return None if row is None else Requisition.model_validate(dict(row))

    def requisition_by_external_id(self, external_id: str) -> Requisition | None:
        row = self.conn.execute("SELECT * FROM requisitions WHERE external_id = ?", (external_id,)).fetchone()
        return None if row is None else Requisition.model_validate(dict(row))

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
                    requisition_id=req_id, kind=EventKind.STATUS_CHANGE, at=now, actor_id=actor_id,
                    note=reason, from_status=before.status, to_status=to,
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
                yield Requisition.model_validate(dict(row))
            last = rows[-1]["id"]

    def set_derived(self, figures: Sequence[tuple[int | None, str | None, int | None, int]]) -> None:
        """Stores (score, grade, estimate_days, id) computed by the rules module; not audited: derived."""
        if self.readonly:
            return
        with self.transaction():
            self.conn.executemany(
                "UPDATE requisitions SET score = ?, grade = ?, estimate_days = ? WHERE id = ?", figures
            )

    # -- the queue -------------------------------------------------------------------------------

    def _queue_where(self, q: QueueQuery) -> tuple[str, list[Any]]:
        clauses, params = [], []
        match = fts_query(q.text)
        if match:
            clauses.append("r.id IN (SELECT rowid FROM requisitions_fts WHERE requisitions_fts MATCH ?)")
            params.append(match)
        if q.statuses:
            clauses.append(f"r.status IN ({','.join('?' for _ in q.statuses)})")
            params.extend(str(s) for s in q.statuses)
        elif q.open_only or q.at_risk_only:
            clauses.append(f"r.status IN ({','.join('?' for _ in OPEN_STATUSES)})")
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

    def count_queue(self, q: QueueQuery) -> int:
        where, params = self._queue_where(q)
        return self.conn.execute(f"SELECT COUNT(*) FROM requisitions r{where}", params).fetchone()[0]

    def queue_sql(self, q: QueueQuery, offset: int, limit: int) -> tuple[str, list[Any]]:
        where, params = self._queue_where(q)
        order = QUEUE_SORTS.get(q.sort, "r.id")
        direction = "DESC" if q.descending else "ASC"
        nulls = "NULLS LAST" if not q.descending else "NULLS FIRST"
        sql = (
            "SELECT r.id, r.code, r.title, r.client, s.name AS sales_owner, rc.name AS recruiter, r.status, "
            "r.grade, r.score, r.opened_at, r.promised_date, r.estimate_days, r.submittals, r.open_disputes "
            "FROM requisitions r JOIN people s ON s.id = r.sales_owner_id "
            "LEFT JOIN people rc ON rc.id = r.recruiter_id"
            f"{where} ORDER BY {order} {direction} {nulls}, r.id {direction} LIMIT ? OFFSET ?"
        )
        return sql, [*params, limit, offset]

    def query_queue(self, q: QueueQuery, offset: int = 0, limit: int = 100) -> list[RequisitionRow]:
        sql, params = self.queue_sql(q, offset, limit)
        return [RequisitionRow.model_validate(dict(row)) for row in self.conn.execute(sql, params)]

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
            "ORDER BY at, id",
            (req_id, req_id, req_id),
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

    def update_dispute(self, dispute: Dispute, action: str = "update") -> Dispute:
        with self.transaction():
            before = self._require(Dispute, "disputes", dispute.id, "Dispute")
            closed = dispute.status not in OPEN_DISPUTE_STATUSES
            dispute = dispute.model_copy(
                update={"code": before.code, "closed_at": (dispute.closed_at or self.now()) if closed else None}
            )
            stored = self._update("disputes", dispute, before, "dispute", action=action)
            self._refresh_open_disputes(before.requisition_id)
            if stored.requisition_id != before.requisition_id:
                self._refresh_open_disputes(stored.requisition_id)
        return stored

    def set_dispute_status(self, dispute_id: int, status: DisputeStatus | str, resolution: str = "") -> Dispute:
        dispute = self._require(Dispute, "disputes", dispute_id, "Dispute")
        update: dict[str, Any] = {"status": DisputeStatus(status)}
        if resolution:
            update["resolution"] = resolution
        return self.update_dispute(dispute.model_copy(update=update), action=str(status))

    def resolve_dispute(
        self, dispute_id: int, resolution: str, proposal_id: str | None, commitments: Sequence[Commitment]
    ) -> tuple[Dispute, list[Commitment]]:
        """Records the resolution, links the proposal and creates its commitments — all or nothing."""
        if not resolution.strip():
            raise RejectedChange("Write the resolution both sides agreed to")
        with self.transaction():
            dispute = self._require(Dispute, "disputes", dispute_id, "Dispute")
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
                    c.model_copy(update={"dispute_id": dispute_id, "requisition_id": c.requisition_id or dispute.requisition_id})
                )
                for c in commitments
            ]
        return resolved, created

    def get_dispute(self, dispute_id: int) -> Dispute | None:
        return self._get(Dispute, "disputes", dispute_id)

    def dispute_by_code(self, code: str) -> Dispute | None:
        row = self.conn.execute("SELECT * FROM disputes WHERE code = ? COLLATE NOCASE", (code.strip(),)).fetchone()
        return None if row is None else Dispute.model_validate(dict(row))

    def list_disputes(
        self, statuses: Sequence[str] = (), requisition_id: int | None = None, text: str = ""
    ) -> list[Dispute]:
        """Open first, then by severity (3 = most severe) and age (oldest first)."""
        sql, params = "SELECT d.* FROM disputes d WHERE 1=1", []
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
        sql += (
            " ORDER BY CASE d.status WHEN 'open' THEN 0 WHEN 'mediating' THEN 0 WHEN 'escalated' THEN 1 ELSE 2 END,"
            " d.severity DESC, d.opened_at, d.id"
        )
        return self._list(Dispute, sql, params)

    # -- expectations and commitments -------------------------------------------------------------

    def add_expectation(self, expectation: Expectation) -> Expectation:
        return self._insert(
            "expectations", expectation.model_copy(update={"created_at": expectation.created_at or self.now()}),
            "expectation",
        )

    def update_expectation(self, expectation: Expectation, action: str = "update") -> Expectation:
        before = self._require(Expectation, "expectations", expectation.id, "Expectation")
        return self._update("expectations", expectation, before, "expectation", action=action)

    def set_expectation_status(self, expectation_id: int, status: ExpectationStatus | str) -> Expectation:
        expectation = self._require(Expectation, "expectations", expectation_id, "Expectation")
        status = ExpectationStatus(status)
        update: dict[str, Any] = {"status": status}
        if status == ExpectationStatus.AGREED:
            update["agreed_at"] = self.now().date()
        return self.update_expectation(expectation.model_copy(update=update), action=str(status))

    def get_expectation(self, expectation_id: int) -> Expectation | None:
        return self._get(Expectation, "expectations", expectation_id)

    def list_expectations(self, statuses: Sequence[str] = ()) -> list[Expectation]:
        sql, params = "SELECT * FROM expectations", []
        if statuses:
            sql += f" WHERE status IN ({','.join('?' for _ in statuses)})"
            params.extend(str(s) for s in statuses)
        return self._list(Expectation, sql + " ORDER BY CASE status WHEN 'agreed' THEN 0 WHEN 'proposed' THEN 1 ELSE 2 END, id", params)

    def add_commitment(self, commitment: Commitment) -> Commitment:
        with self.transaction():
            if self.get_person(commitment.owner_id) is None:
                raise RejectedChange("The owner of a commitment must be a person in the team")
            return self._insert(
                "commitments", commitment.model_copy(update={"created_at": commitment.created_at or self.now()}),
                "commitment",
            )

    def set_commitment_status(
        self, commitment_id: int, status: CommitmentStatus | str, reason: str = ""
    ) -> Commitment:
        status = CommitmentStatus(status)
        if status == CommitmentStatus.CANCELLED and not reason.strip():
            raise RejectedChange("Say why the commitment is cancelled")
        with self.transaction():
            before = self._require(Commitment, "commitments", commitment_id, "Commitment")
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
        sql, params = "SELECT * FROM commitments WHERE 1=1", []
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
            items = [self._insert("standup_items", item.model_copy(update={"standup_id": stored.id, "position": i}), "standup_item")
                     for i, item in enumerate(standup.items)]
        return stored.model_copy(update={"items": items})

    def update_standup(self, standup: Standup) -> Standup:
        with self.transaction():
            before = self._require(Standup, "standups", standup.id, "Standup")
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
        if row is None:
            return None
        data = dict(row)
        data["attendees"] = json.loads(data["attendees"] or "[]")
        data["items"] = [
            dict(r) for r in self.conn.execute(
                "SELECT * FROM standup_items WHERE standup_id = ? ORDER BY position, id", (standup_id,)
            )
        ]
        return Standup.model_validate(data)

    def list_standups(self) -> list[Standup]:
        ids = [row[0] for row in self.conn.execute("SELECT id FROM standups ORDER BY started_at DESC, id DESC")]
        return [s for s in (self.get_standup(i) for i in ids) if s is not None]

    def latest_standup(self, ended_only: bool = False) -> Standup | None:
        sql = "SELECT id FROM standups " + ("WHERE ended_at IS NOT NULL " if ended_only else "")
        row = self.conn.execute(sql + "ORDER BY started_at DESC, id DESC LIMIT 1").fetchone()
        return None if row is None else self.get_standup(row[0])

    def running_standup(self) -> Standup | None:
        row = self.conn.execute(
            "SELECT id FROM standups WHERE ended_at IS NULL ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        return None if row is None else self.get_standup(row[0])

    # -- whole-file operations -------------------------------------------------------------------

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """An online, consistent copy through SQLite's backup API, readable by the owner only."""
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / f"{self.path.stem}-{self.now().strftime('%Y%m%dT%H%M%S')}.db"
        if not dest.parent.exists():
            raise StoreError(f"The folder {dest.parent} does not exist")
        if dest.exists() and dest.resolve() == self.path.resolve():
            raise StoreError("The backup cannot overwrite the database itself")
        tmp = dest.with_name(dest.name + ".part")
        if tmp.exists():
            tmp.unlink()
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        try:
            target = sqlite3.connect(tmp)
            try:
                self.conn.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
            os.chmod(tmp, 0o600)
            os.replace(tmp, dest)
        except (sqlite3.Error, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"The backup to {dest} failed: {exc}") from None
        return dest

    def counts(self) -> dict[str, int]:
        tables = ["people", "requisitions", "pipeline_events", "disputes", "expectations", "commitments",
                  "standups", "standup_items", "events"]
        return {t: self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    def doctor(self) -> DoctorReport:
        integrity = "; ".join(row[0] for row in self.conn.execute("PRAGMA integrity_check"))
        fk_problems = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        mode_bits = stat.S_IMODE(os.stat(self.path).st_mode)
        others = bool(mode_bits & (stat.S_IRWXG | stat.S_IRWXO))
        report = DoctorReport(
            path=str(self.path),
            ok=integrity == "ok" and not fk_problems,
            integrity=integrity,
            schema_version=self.conn.execute("PRAGMA user_version").fetchone()[0],
            journal_mode=self.conn.execute("PRAGMA journal_mode").fetchone()[0],
            foreign_keys=bool(self.conn.execute("PRAGMA foreign_keys").fetchone()[0]),
            mode=oct(mode_bits),
            readable_by_others=others,
            counts=self.counts(),
        )
        if fk_problems:
            report.warnings.append(f"{len(fk_problems)} rows point at records that do not exist")
        if others:
            report.warnings.append(
                f"The database file is readable by other users ({oct(mode_bits)}); run: chmod 600 {self.path}"
            )
        if self.readonly:
            report.warnings.append("The database is open read-only")
        return report

    def is_demo(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM events WHERE entity = 'database' AND action = 'demo' LIMIT 1").fetchone()
        return row is not None

    def is_empty(self) -> bool:
        """True when nothing has been entered yet (the proposed default expectations do not count)."""
        counts = self.counts()
        return all(counts[t] == 0 for t in ("people", "requisitions", "disputes", "commitments", "standups"))


def _split_sql(script: str) -> list[str]:
    """Splits a migration into statements, keeping trigger bodies whole."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    if "\n".join(current).strip():
        statements.append("\n".join(current).strip())
    return statements


__all__ = [
    "Store", "StoreError", "NewerSchemaError", "RejectedChange", "QueueQuery", "QUEUE_SORTS", "fts_query",
    "utcnow", "DoctorReport",
]
