"""Expectations and commitments: their writes, lists and the commitment tally."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from mediation_console.db.models import Commitment, CommitmentStatus, Expectation, ExpectationStatus, Team
from mediation_console.db.store.connection import RejectedChange, _to_sql
from mediation_console.db.store.people import PeopleStore


class CommitmentStore(PeopleStore):
    """Expectations and commitments: their writes, lists and the commitment tally."""

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
        filters = (
            ("c.due >= ?", None if since is None else since.isoformat()),
            ("c.due <= ?", None if until is None else until.isoformat()),
            ("p.team = ?", None if team is None else str(team)),
        )
        sql += "".join(f" AND {condition}" for condition, value in filters if value is not None)
        params: list[Any] = [value for _, value in filters if value is not None]
        if owner_ids is not None:
            sql += f" AND c.owner_id IN ({','.join('?' for _ in owner_ids)})"
            params.extend(owner_ids)
        tally = {str(s): 0 for s in CommitmentStatus}
        for status, n in self.conn.execute(sql + " GROUP BY c.status", params):
            tally[status] = n
        return tally
