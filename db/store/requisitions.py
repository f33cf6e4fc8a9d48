"""Requisitions: adding, editing, status moves, pipeline events and the stored grades."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence

from mediation_console.db.models import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    REASON_REQUIRED,
    EventKind,
    PipelineEvent,
    Requisition,
    RequisitionStatus,
)
from mediation_console.db.short_transactions import ChunkSizer, ShortTransactions
from mediation_console.db.store.connection import RejectedChange, _to_sql
from mediation_console.db.store.people import PeopleStore


def load_estimates(conn: sqlite3.Connection, estimates: Mapping[tuple[str, str], int]) -> None:
    """The estimates by (grade, engagement) into the connection's temp.derived_estimates, for `estimate_of`."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS derived_estimates "
        "(grade TEXT, engagement TEXT, days INTEGER, PRIMARY KEY (grade, engagement))"
    )
    conn.execute("DELETE FROM temp.derived_estimates")
    conn.executemany(
        "INSERT INTO temp.derived_estimates (grade, engagement, days) VALUES (?, ?, ?)",
        [(grade, engagement, days) for (grade, engagement), days in estimates.items()],
    )


def estimate_of(table: str) -> str:
    """SQL of a `table` row's estimate from the loaded estimates; its one parameter is the default."""
    return (
        "COALESCE((SELECT e.days FROM temp.derived_estimates e "
        f"WHERE e.grade = {table}.grade AND e.engagement = {table}.engagement), ?)"
    )


class RequisitionStore(PeopleStore):
    """Requisitions: adding, editing, status moves, pipeline events and the stored grades."""

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
        return self._by_nocase(Requisition, "requisitions", "code", code)

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

    def iter_requisitions(self, batch: int = 5000, open_only: bool = False) -> Iterator[Requisition]:
        statuses = ",".join(f"'{s}'" for s in sorted(OPEN_STATUSES))
        status_clause = f"status IN ({statuses}) AND " if open_only else ""
        last = 0
        while True:
            rows = self._dicts(
                f"SELECT * FROM requisitions WHERE {status_clause}id > ? ORDER BY id LIMIT ?", (last, batch)
            )
            if not rows:
                return
            for row in rows:
                if (req := self._model(Requisition, "requisitions", row)) is not None:
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
        # Chunks shrink while they are slow (ChunkSizer), so none carries a transaction far past its window.
        with (
            self.transaction()
            if self.in_transaction_here
            else ShortTransactions(self, what="the grading of requisitions") as batches
        ):
            timing = batches.clock if isinstance(batches, ShortTransactions) else time.monotonic
            sizer = ChunkSizer(self._DERIVED_CHUNK, clock=timing)
            start = 0
            while start < len(figures):
                chunk = figures[start : start + sizer.size]
                if isinstance(batches, ShortTransactions):
                    batches.checkpoint(upcoming=sizer.expected(len(chunk)))
                with sizer.timed(len(chunk)):
                    self.conn.executemany(
                        "UPDATE requisitions SET score = ?, grade = ?, estimate_days = ? WHERE id = ?", chunk
                    )
                start += len(chunk)

    _DERIVED_CHUNK = 250

    def set_estimates(self, estimates: Mapping[tuple[str, str], int], default_days: int) -> int:
        """Sets each requisition's estimate_days to its (grade, engagement)'s figure (`default_days` if
        none), in one pass that writes only the rows whose estimate changes; returns how many did.
        Not audited: derived, like `set_derived`."""
        if self.readonly:
            return 0
        pick = estimate_of("requisitions")
        with self.transaction():
            load_estimates(self.conn, estimates)
            changed = self.conn.execute(
                f"UPDATE requisitions SET estimate_days = {pick} WHERE estimate_days IS NOT {pick}",
                (default_days, default_days),
            ).rowcount
        return changed

    def count_requisitions(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM requisitions").fetchone()[0])
