"""Benchmarks the standup: the agenda on 100,000 requisitions and the notes export of a 200-item standup."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from bench.common import CACHE, Figure, time_call
from console.agenda import build_agenda
from console.notes import FORMATS, gather_notes, render
from db.models import Attendee, Commitment, CommitmentSource, Standup, StandupItem
from db.store import Store

SIZE = 100_000
AGENDA_TARGET_MS = 300.0
NOTES_TARGET_MS = 100.0
NOW = dt.datetime(2026, 11, 26, 9, 0)


def _database(size: int, seed: int = 7) -> Path:
    """The shared cached demo database when bench.common can build it, else one generated here."""
    try:
        import console.demo_setup  # noqa: F401  (bench.common's builder, once it lands)
    except ImportError:
        pass
    else:
        from bench.common import database

        return database(size, seed)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"standup-demo-{size}.db"
    if not path.exists():
        from db.demo import generate_demo

        tmp = CACHE / f"standup-demo-{size}.tmp.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        store = Store(tmp, now=lambda: NOW)
        try:
            generate_demo(store, requisitions=size, seed=seed)
        finally:
            store.close()
        shutil.move(tmp, path)
    return path


def _standup_of(store: Store, items: int) -> Standup:
    """A finished standup of `items` agenda items, with notes, decisions and commitments on many of them."""
    people = store.list_people()
    disputes = [d.id for d in store.list_disputes()[:20]]
    standup = store.start_standup(Standup(
        started_at=NOW, facilitator_id=people[0].id,
        attendees=[Attendee(person_id=p.id, present=i % 5 != 0) for i, p in enumerate(people)],
        items=[StandupItem(section="at_risk" if i % 3 else "disputes", title=f"Item {i}: a requisition at risk",
                           detail="Promised 10 Dec, 19 days before the realistic estimate",
                           requisition_id=(i * 37) % 1000 + 1,
                           dispute_id=disputes[i % len(disputes)] if disputes and i % 3 == 0 else None,
                           person_id=people[i % len(people)].id,
                           notes=f"Discussed item {i}.\nAgreed to look again on Friday." if i % 2 else "",
                           decision=f"Decision on item {i}" if i % 4 == 0 else "")
               for i in range(items)]))
    with store.transaction():
        for i in range(0, items, 4):
            store.add_commitment(Commitment(owner_id=people[i % len(people)].id, text=f"Action on item {i}",
                                            due=NOW.date() + dt.timedelta(days=1 + i % 7), standup_id=standup.id,
                                            requisition_id=(i * 37) % 1000 + 1, source=CommitmentSource.STANDUP))
    return store.update_standup(store.get_standup(standup.id).model_copy(
        update={"ended_at": NOW + dt.timedelta(minutes=25)}))


def measure() -> list[Figure]:
    source = _database(SIZE)
    work = CACHE / f"work-standup-{SIZE}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, work)
    figures = []
    store = Store(work, now=lambda: NOW)
    try:
        agenda = build_agenda(store, NOW)
        figures.append(Figure(
            name="standup: agenda", value=time_call(lambda: build_agenda(store, NOW)), target=AGENDA_TARGET_MS,
            size=SIZE, note=f"{len(agenda)} items incl. proposals and expectations when installed",
        ))
        figures.append(Figure(
            name="standup: agenda, queries only",
            value=time_call(lambda: build_agenda(store, NOW, use_installed=False)), size=SIZE,
            note="without the rules module's proposals and the metric catalogue",
        ))
        standup = _standup_of(store, 200)
        for fmt in FORMATS:
            figures.append(Figure(
                name=f"standup: notes export ({fmt}, 200 items)",
                value=time_call(lambda fmt=fmt: render(gather_notes(store, standup.id), fmt)),
                target=NOTES_TARGET_MS, size=SIZE,
            ))
        figures.append(Figure(
            name="standup: notes export (md, 200 items), no proposals",
            value=time_call(lambda: render(gather_notes(store, standup.id, use_installed=False), "md")),
            target=NOTES_TARGET_MS, size=SIZE, note="without the rules module's proposals for the disputes",
        ))
    finally:
        store.close()
    return figures


if __name__ == "__main__":
    for figure in measure():
        verdict = "" if figure.passed is None else ("  ok" if figure.passed else "  OVER TARGET")
        target = f" (target < {figure.target:g} {figure.unit})" if figure.target else ""
        print(f"{figure.name:<45} {figure.value:8.1f} {figure.unit}{target}{verdict}  {figure.note}")
