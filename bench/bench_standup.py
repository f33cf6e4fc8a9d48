"""Benchmarks the standup: the agenda on 100,000 requisitions and the notes export of a 200-item standup."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Figure, time_call, working_copy
from mediation_console.console.core.agenda import DISPUTES, build_agenda, default_expectation_check, top_proposal
from mediation_console.console.core.notes import FORMATS, fallbacks_by, gather_notes, proposals_by, render
from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.models import Attendee, Commitment, CommitmentSource, Standup, StandupItem
from mediation_console.db.store import Store

SIZE = 100_000
AGENDA_TARGET_MS = 300.0
NOTES_TARGET_MS = 100.0
NOW = dt.datetime(2026, 11, 26, 9, 0)


def _standup_of(store: Store, items: int) -> Standup:
    """A finished standup of `items` agenda items, with notes, decisions and commitments on many of them."""
    people = store.list_people()
    disputes = [d.id for d in store.list_disputes()[:20]]
    standup = store.start_standup(
        Standup(
            started_at=NOW,
            facilitator_id=people[0].id,
            attendees=[Attendee(person_id=p.id, present=i % 5 != 0) for i, p in enumerate(people)],
            items=[
                StandupItem(
                    section="at_risk" if i % 3 else "disputes",
                    title=f"Item {i}: a requisition at risk",
                    detail="Promised 10 Dec, 19 days before the realistic estimate",
                    requisition_id=(i * 37) % 1000 + 1,
                    dispute_id=disputes[i % len(disputes)] if disputes and i % 3 == 0 else None,
                    person_id=people[i % len(people)].id,
                    notes=f"Discussed item {i}.\nAgreed to look again on Friday." if i % 2 else "",
                    decision=f"Decision on item {i}" if i % 4 == 0 else "",
                )
                for i in range(items)
            ],
        )
    )
    with store.transaction():
        for i in range(0, items, 4):
            store.add_commitment(
                Commitment(
                    owner_id=people[i % len(people)].id,
                    text=f"Action on item {i}",
                    due=NOW.date() + dt.timedelta(days=1 + i % 7),
                    standup_id=standup.id,
                    requisition_id=(i * 37) % 1000 + 1,
                    source=CommitmentSource.STANDUP,
                )
            )
    return store.update_standup(
        store.get_standup(standup.id).model_copy(update={"ended_at": NOW + dt.timedelta(minutes=25)})
    )


def _after_a_change(
    store: Store, item: StandupItem, func: Callable[[], object], repeat: int = 5, *, history: bool = False
) -> float:
    """Median ms of `func` when each run follows a write, as in a meeting: a note typed into a standup
    item, or (`history`) a commitment made, which changes what the rules' team history is worked out
    from (follow-through), so the history is read again."""
    samples = []
    for i in range(repeat):
        if history:
            store.add_commitment(
                Commitment(
                    owner_id=item.person_id or 1,
                    text=f"Follow up ({i})",
                    due=NOW.date() + dt.timedelta(days=1),
                    standup_id=item.standup_id,
                    source=CommitmentSource.STANDUP,
                )
            )
        else:
            store.update_standup_item(item.model_copy(update={"notes": f"Note typed during the meeting ({i})"}))
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _after_changes(
    store: Store, item: StandupItem, name: str, call: Callable[[], object], target: float
) -> list[Figure]:
    """`call` timed after each of the two writes a meeting makes between reads: a note typed on an
    item (the team history stays cached) and a commitment made (the rules read everyone's
    follow-through again)."""
    return [
        Figure(
            name=f"{name}, after a note is typed",
            value=_after_a_change(store, item, call),
            target=target,
            size=SIZE,
            note="a standup item written first (the team history stays)",
        ),
        Figure(
            name=f"{name}, after a commitment is made",
            value=_after_a_change(store, item, call, history=True),
            target=target,
            size=SIZE,
            note="a commitment written first, so the rules read everyone's follow-through again",
        ),
    ]


def measure() -> list[Figure]:
    work = working_copy(SIZE, "standup")
    figures = []
    store = Store(work, now=lambda: NOW)
    try:
        # The lead's rule pack, handed over as the console's services hand it to the standup screen.
        mediator = Mediator(store)
        top = top_proposal(mediator)
        quoted = {"proposals": proposals_by(mediator), "fallbacks": fallbacks_by(mediator)}
        agenda = build_agenda(store, NOW, proposals=top)
        disputes = len(agenda.section(DISPUTES))
        figures.append(
            Figure(
                name="standup: agenda",
                value=time_call(lambda: build_agenda(store, NOW, proposals=top)),
                target=AGENDA_TARGET_MS,
                size=SIZE,
                note=f"{len(agenda)} items: queries, top proposal of {disputes} disputes, expectation checks",
            )
        )
        if default_expectation_check(store, NOW) is not None:
            figures.append(
                Figure(
                    name="standup: agenda, expectation checks only",
                    value=time_call(lambda: list(default_expectation_check(store, NOW)())),
                    size=SIZE,
                    note="console.metrics verdicts on the agreed expectations (measured beside the agenda's queries)",
                )
            )
        no_checks = lambda: build_agenda(store, NOW, proposals=top, expectations=lambda: [])  # noqa: E731
        figures.append(
            Figure(
                name="standup: agenda without expectation checks",
                value=time_call(no_checks),
                target=AGENDA_TARGET_MS,
                size=SIZE,
                note="queries and top proposals; team history already read",
            )
        )
        figures.append(
            Figure(
                name="standup: agenda, queries only",
                value=time_call(lambda: build_agenda(store, NOW, expectations=lambda: [])),
                size=SIZE,
                note="without the rules module's proposals and the metric catalogue",
            )
        )
        standup = _standup_of(store, 200)
        agenda_now = lambda: build_agenda(store, NOW, proposals=top)  # noqa: E731
        figures += _after_changes(store, standup.items[1], "standup: agenda", agenda_now, AGENDA_TARGET_MS)
        for fmt in FORMATS:
            figures.append(
                Figure(
                    name=f"standup: notes export ({fmt}, 200 items)",
                    value=time_call(lambda fmt=fmt: render(gather_notes(store, standup.id, **quoted), fmt)),
                    target=NOTES_TARGET_MS,
                    size=SIZE,
                    note="with the proposals of the disputes discussed",
                )
            )
        export = lambda: render(gather_notes(store, standup.id, **quoted), "md")  # noqa: E731
        figures += _after_changes(
            store, standup.items[1], "standup: notes export (md, 200 items)", export, NOTES_TARGET_MS
        )
        figures.append(
            Figure(
                name="standup: notes export (md, 200 items), no proposals",
                value=time_call(lambda: render(gather_notes(store, standup.id), "md")),
                target=NOTES_TARGET_MS,
                size=SIZE,
                note="without the rules module's proposals for the disputes",
            )
        )
    finally:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)  # a 700 MB copy is not worth keeping
    return figures


if __name__ == "__main__":
    for figure in measure():
        verdict = "" if figure.passed is None else ("  ok" if figure.passed else "  OVER TARGET")
        target = f" (target < {figure.target:g} {figure.unit})" if figure.target else ""
        print(f"{figure.name:<45} {figure.value:8.1f} {figure.unit}{target}{verdict}  {figure.note}")
