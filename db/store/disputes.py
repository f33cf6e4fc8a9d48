"""Disputes: capture, edits, status moves and resolution, and their lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mediation_console.db.models import OPEN_DISPUTE_STATUSES, Commitment, Dispute, DisputeStatus, Requisition
from mediation_console.db.store.commitments import CommitmentStore
from mediation_console.db.store.connection import RejectedChange


class DisputeStore(CommitmentStore):
    """Disputes: capture, edits, status moves and resolution, and their lists."""

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
            self._require_parties(dispute)
            if dispute.requisition_id is not None:
                self._require(Requisition, "requisitions", dispute.requisition_id, "Requisition")
            next_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM disputes").fetchone()[0]
            dispute = dispute.model_copy(
                update={"id": next_id, "code": f"D-{next_id:04d}", "opened_at": dispute.opened_at or self.now()}
            )
            stored = self._insert("disputes", dispute, "dispute")
            self._refresh_open_disputes(stored.requisition_id)
        return stored

    def _require_parties(self, dispute: Dispute) -> None:
        """Everyone in the dispute (the two sides and any further parties) is someone in the team."""
        for pid in dict.fromkeys((dispute.raised_by_id, dispute.counterpart_id, *dispute.parties)):
            if self.get_person(pid) is None:
                raise RejectedChange(f"Person {pid} does not exist")

    def update_dispute(self, dispute: Dispute, action: str = "update", started_from: Dispute | None = None) -> Dispute:
        """Saves an edited dispute; with `started_from`, as `update_requisition` (refused over a newer version)."""
        with self.transaction():
            before, dispute, mine = self._edit(dispute, started_from)
            if mine == []:
                return before
            if mine is None or {"raised_by_id", "counterpart_id", "parties"} & set(mine):
                self._require_parties(dispute)
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
        return self._by_nocase(Dispute, "disputes", "code", code)

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
