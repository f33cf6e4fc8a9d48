"""Placement credit (migration 18): who originated, filled and assisted a placement, and their splits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mediation_console.db.models import (
    EventKind,
    Person,
    PipelineEvent,
    PlacementCredit,
    Requisition,
    check_credit_splits,
)
from mediation_console.db.store.connection import RejectedChange, _checked
from mediation_console.db.store.requisitions import RequisitionStore


class CreditStore(RequisitionStore):
    """Placement credit (migration 18): who originated, filled and assisted a placement, and their splits."""

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
