"""The services the app hands its screens: one Mediator, with the lead's --rules pack, loaded once; the
whole team's figures (track record, measurements) worked out once per data stamp, prefetched when idle."""

from __future__ import annotations

from mediation_console.console.core.services import Services


def test_the_mediator_is_built_once_with_the_rules_pack(store, clock, tmp_path):
    pack = tmp_path / "strict.toml"
    pack.write_text("[grades]\nA = 100\nB = 99\n", encoding="utf-8")
    services = Services(store, clock, pack)
    mediator = services.mediator
    assert mediator is not None and mediator is services.mediator
    assert (mediator.pack.grade_a, mediator.pack.grade_b) == (100, 99)
    assert services.rules_problem is None


def test_a_pack_that_cannot_load_is_said_once_and_leaves_no_mediator(store, clock, tmp_path):
    pack = tmp_path / "broken.toml"
    pack.write_text("[grades]\nA = 40\nB = 45\n", encoding="utf-8")
    told: list[str] = []
    services = Services(store, clock, pack, on_problem=told.append)
    assert services.mediator is None and services.mediator is None
    assert told == [services.rules_problem]
    assert told[0].startswith("The rule pack could not be loaded:") and "B (45) must be below A (40)" in told[0]


def test_figures_are_worked_out_once_per_stamp_and_a_second_caller_waits_for_the_first(store, clock):
    import threading

    services = Services(store, clock)
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> list[str]:
        calls.append("slow")
        started.set()
        release.wait(5)
        return ["figures"]

    results: list[list[str]] = []
    first = threading.Thread(target=lambda: results.append(services.shared("report", ("v1",), slow)))
    first.start()
    assert started.wait(5)
    assert services.has_shared("report", ("v1",)) and services.shared_ready("report", ("v1",)) is None
    second = threading.Thread(target=lambda: results.append(services.shared("report", ("v1",), slow)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert calls == ["slow"] and results[0] is results[1]
    assert services.shared_ready("report", ("v1",)) == ["figures"]
    # Another stamp (the data changed, or a new day) works them out afresh.
    assert services.shared("report", ("v2",), lambda: ["new"]) == ["new"]
    assert not services.has_shared("report", ("v1",))


def test_a_computation_that_fails_is_not_kept(store, clock):
    import pytest

    services = Services(store, clock)

    def broken() -> None:
        raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError):
        services.shared("report", ("v1",), broken)
    assert not services.has_shared("report", ("v1",))
    assert services.shared("report", ("v1",), lambda: 7) == 7


def test_measuring_cut_short_is_returned_but_not_kept_for_the_next_caller(store, clock):
    expectations = store.list_expectations(statuses=("agreed", "proposed"))
    assert len(expectations) >= 2  # the default expectations, proposed as the console opens a file
    services = Services(store, clock)
    stamp = services.stamp()
    partial = services.measurements(stamp, clock(), stop=lambda: True)
    assert partial == {} and not services.has_shared("measurements", stamp)
    full = services.measurements(stamp, clock())
    assert services.shared_ready("measurements", stamp) is not None
    assert set(full) == {e.saved_id for e in expectations}


def test_the_prefetch_waits_for_the_lead_to_be_idle_and_leaves_to_a_visit_what_it_started(store, clock):
    import threading

    services = Services(store, clock)
    stamp = services.stamp()
    idle = {"seconds": 0.0}
    done = threading.Event()
    thread = threading.Thread(
        target=lambda: (services.prefetch(lambda: stamp, idle_for=lambda: idle["seconds"], quiet=1.0), done.set())
    )
    thread.start()
    assert not done.wait(0.3)  # the lead is typing: nothing worked out
    assert not services.has_shared("track record", stamp)
    # Meanwhile a visit works the track record out itself; the prefetch then leaves it be.
    visited = services.track_record(stamp, clock())
    idle["seconds"] = 5.0
    assert done.wait(10)
    assert services.track_record(stamp, clock()) is visited
    assert services.shared_ready("measurements", stamp) is not None


def test_a_stopped_prefetch_works_nothing_out(store, clock):
    services = Services(store, clock)
    stamp = services.stamp()
    services.prefetch(lambda: stamp, idle_for=lambda: 0.0, stop=lambda: True)
    assert not services.has_shared("track record", stamp) and not services.has_shared("measurements", stamp)


def test_figures_older_than_their_freshness_are_worked_out_again(store, clock, monkeypatch):
    import mediation_console.console.core.services as module

    services = Services(store, clock)
    calls: list[int] = []
    assert services.shared("report", ("v1",), lambda: calls.append(1) or "first") == "first"
    assert services.shared("report", ("v1",), lambda: calls.append(2) or "second") == "first"
    monkeypatch.setattr(module, "SHARED_FRESH_SECONDS", -1.0)  # as if made longer ago than that
    assert services.shared_ready("report", ("v1",)) is None and not services.has_shared("report", ("v1",))
    assert services.shared("report", ("v1",), lambda: calls.append(3) or "third") == "third"
    assert calls == [1, 3]


def test_a_caller_that_waited_for_a_computation_that_failed_works_the_figures_out_itself(store, clock):
    import threading

    import pytest

    services = Services(store, clock)
    started, release = threading.Event(), threading.Event()

    def failing() -> str:
        started.set()
        release.wait(5)
        raise RuntimeError("database is locked")

    def owner() -> None:
        with pytest.raises(RuntimeError):
            services.shared("report", ("v1",), failing)

    first = threading.Thread(target=owner)
    first.start()
    assert started.wait(5)
    got: list[str] = []
    second = threading.Thread(target=lambda: got.append(services.shared("report", ("v1",), lambda: "mine")))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert got == ["mine"] and services.shared_ready("report", ("v1",)) == "mine"


def test_the_prefetch_waits_while_a_visit_works_figures_out_and_stops_measuring_when_the_lead_is_back(
    store, clock, monkeypatch
):
    import threading

    import mediation_console.console.core.metrics as metrics

    services = Services(store, clock)
    stamp = services.stamp()
    started, release = threading.Event(), threading.Event()

    def slow_visit() -> str:
        started.set()
        release.wait(5)
        return "visit's"

    visit = threading.Thread(target=lambda: services.shared("something else", stamp, slow_visit))
    visit.start()
    assert started.wait(5)
    done = threading.Event()
    idle = {"seconds": 5.0}
    real_measure = metrics.measure_all

    def measure_while_the_lead_comes_back(*args, **kwargs):
        idle["seconds"] = 0.0  # a key pressed as the measuring starts
        return real_measure(*args, **kwargs)

    monkeypatch.setattr(metrics, "measure_all", measure_while_the_lead_comes_back)
    prefetch = threading.Thread(
        target=lambda: (services.prefetch(lambda: stamp, idle_for=lambda: idle["seconds"], quiet=1.0), done.set())
    )
    prefetch.start()
    assert not done.wait(0.3)
    assert not services.has_shared("track record", stamp)  # the visit has the cores
    release.set()
    visit.join(5)
    assert done.wait(10)
    assert services.shared_ready("track record", stamp) is not None
    # The measuring stopped as the lead came back: not kept, so a visit measures in full.
    assert not services.has_shared("measurements", stamp)


def test_the_prefetch_works_out_what_disputes_read_first_on_a_connection_of_its_own(store, clock, monkeypatch):
    """What every dispute's facts read from the whole team's data (the follow-through tallies, the
    recruiters' workloads, the fill rates by terms, the team's open requisitions) is worked out by the
    prefetch on a reader of its own (the UI's queries never wait behind it), so the first dispute shown
    reads none of it."""
    from mediation_console.db.models import DisputeCategory, Person, Team
    from tests.helpers import raise_dispute

    seller = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    recruiter = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    dispute = raise_dispute(store, seller, recruiter, DisputeCategory.SLOW_SUBMITTALS, "Slow submittals")
    reads: list[tuple[str, bool]] = []
    cls = type(store)
    team_reads = (
        "open_requisitions_by_recruiter",
        "closed_outcomes",
        "follow_through_by_owner",
        "open_requisition_profiles",
    )
    for name in team_reads:
        real = getattr(cls, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            reads.append((_name, self is store))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, spy)
    services = Services(store, clock)
    services.prefetch(services.stamp, idle_for=lambda: 5.0, quiet=1.0)
    assert {name for name, _ in reads} == set(team_reads)
    assert not any(on_main for _name, on_main in reads)  # all on the prefetch's own reader
    reads.clear()
    mediator = services.mediator
    assert mediator is not None
    assert mediator.dispute_facts(dispute.id)
    assert reads == []  # nothing of the team's history read again


def test_the_disputes_warm_up_beside_an_open_save_keeps_nothing_stale(store, clock):
    """A save still open on the Store's connection (the console saves off its UI thread) is seen by that
    connection from any thread, not by the prefetch's reader: the warm-up keys what it reads on the reader,
    so once the save commits the disputes read the saved commitment, not the figures from before it."""
    import datetime as dt
    import threading

    from mediation_console.console.core.follow_through import tallies_by_owner
    from mediation_console.console.core.rules.service import Mediator
    from mediation_console.db.models import Person, Team

    sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    mediator = Mediator(store, include_user_pack=False)
    today = mediator.today
    opened, go = threading.Event(), threading.Event()

    def save() -> None:
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO commitments (owner_id, text, due, source, status, created_at, closed_at) "
                "VALUES (?, 'Send the shortlist', ?, 'standup', 'kept', ?, ?)",
                (sam.id, today.isoformat(), f"{today - dt.timedelta(days=3)} 09:00:00", f"{today} 09:00:00"),
            )
            opened.set()
            go.wait(10)

    saving = threading.Thread(target=save)
    saving.start()
    assert opened.wait(10)
    with store.background_reader() as reader:
        mediator.warm_up_disputes(reader)
    go.set()
    saving.join(10)
    assert tallies_by_owner(store, today)[sam.id]["kept"] == 1
    assert mediator._tallies()[0] == tallies_by_owner(store, today)
