"""Packages, not single rules: the top proposal of every story is a small plan — a step on the dispute due
within one business day, a standing rule for next time (kept over a window of business days and reviewed
at its end, not one due date), and a check-in with the lead that falls before the first step is due. A
story's `[expect.package]` table says the top package's steps, standing rule and check-in with their owners
(by name) and dates, and the names its texts must use."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from mediation_console.console.core.calendar import BusinessCalendar
from mediation_console.console.core.rules.service import Mediator
from tests.stories.test_story_suite import HERE, STORIES, explain

CALENDAR = BusinessCalendar("US")
WITH_PACKAGE = [p for p in STORIES if "package" in tomllib.loads(p.read_text(encoding="utf-8"))["expect"]]


def _top(considered):
    return next(c.proposal for c in considered if c.proposal is not None)


@pytest.mark.parametrize("path", STORIES, ids=[p.stem for p in STORIES])
def test_every_top_proposal_is_a_step_a_standing_rule_and_a_check_in_before_the_first_due_date(path, tmp_path):
    _expect, dispute, _diagnosis, considered, store = explain(path, tmp_path)
    try:
        top = _top(considered)
        today = store.now().date()
        first = top.steps[0]
        assert first.due <= CALENDAR.add_business_days(today, 1), f"{path.stem}: first step {first}"
        assert top.standing_rules, f"{path.stem}: no standing rule in {top.commitments}"
        for rule in top.standing_rules:
            assert rule.text.startswith("From now on: ")
            assert rule.window_in >= 5 and rule.due == CALENDAR.add_business_days(today, rule.window_in)
            assert f"kept over the next {rule.window_in} business days; review {rule.due:%a %d %b}" in rule.text
            assert rule.due > first.due
        assert top.check_ins, f"{path.stem}: no check-in"
        assert min(c.due for c in top.check_ins) < first.due
        for check_in in top.check_ins:
            checked = min((s for s in top.steps if s.owner == check_in.owner), key=lambda s: s.due_in)
            assert check_in.due < checked.due and checked.text in check_in.text
        # What the lead accepts is what is stored: the same dates for the people in the dispute.
        mediator = Mediator(store, today=today, include_user_pack=False, calendar=CALENDAR)
        made = mediator.commitments_for(top, dispute)
        check_ins = [c.due for c in made if c.text.startswith("Check in with the lead")]
        steps = [c.due for c in made if not c.text.startswith(("Check in with the lead", "From now on"))]
        assert check_ins and max(check_ins) < max(steps) and min(check_ins) < min(steps)
    finally:
        store.close()


@pytest.mark.parametrize("path", WITH_PACKAGE, ids=[p.stem for p in WITH_PACKAGE])
def test_the_top_package_has_its_steps_owners_dates_and_names(path, tmp_path):
    expect, dispute, _diagnosis, considered, store = explain(path, tmp_path)
    try:
        wanted = expect["package"]
        top = _top(considered)
        mediator = Mediator(store, today=store.now().date(), include_user_pack=False, calendar=CALENDAR)
        people = {p.id: p.name for p in store.list_people()}
        made = [(people[c.owner_id], c.due, c.text) for c in mediator.commitments_for(top, dispute)]
        kinds = {
            "check_in": [m for m in made if m[2].startswith("Check in with the lead")],
            "standing": [m for m in made if m[2].startswith("From now on")],
        }
        kinds["steps"] = [m for m in made if m not in kinds["check_in"] and m not in kinds["standing"]]
        for kind in ("steps", "standing", "check_in"):
            expected = wanted[kind] if isinstance(wanted[kind], list) else [wanted[kind]]
            for item in expected:
                due = dt.date.fromisoformat(item["due"])
                assert any(
                    owner == item["owner"] and when == due and item.get("text", "") in text
                    for owner, when, text in kinds[kind]
                ), f"{path.stem}: {kind} {item} not among {kinds[kind]}"
            assert len(kinds[kind]) == len(expected), f"{path.stem}: {kind} {kinds[kind]}"
        # Options that dovetail (low cost to one side, high value to the other) come as one package.
        assert list(top.together_with) == wanted.get("together", []), top.together_lines
        shown = " ".join([top.title, *(text for _owner, _due, text in made)])
        for name in wanted.get("names", []):
            assert name in shown, f"{path.stem}: {name!r} not in {shown!r}"
    finally:
        store.close()


def test_at_least_ten_stories_assert_their_top_package():
    assert len(WITH_PACKAGE) >= 10


def test_two_supported_options_that_dovetail_are_offered_together(tmp_path):
    """Sales rejects 5 of 6 screened submittals without reasons while the client sits on its answers: the
    written reject reasons cost Tom little and are worth most to Ben; keeping the candidates warm costs Ben
    little and is worth most to Tom. The top package offers both, one standing rule, a check-in before each
    side's first step; an option of the same category is never paired."""
    from mediation_console.console.core.rules.pack import load_pack
    from mediation_console.console.core.rules.proposals import dovetails

    _e, _d, _g, considered, store = explain(HERE / "internal_rejects_5_of_6.toml", tmp_path)
    try:
        ranked = [c.proposal for c in considered if c.proposal is not None]
        top = ranked[0]
        assert (top.id, top.together_with) == ("quality.reject-reasons", ("client.feedback-terms",))
        assert top.together_lines == (
            "Offered together with \u201cTom writes 48 h feedback into Lumen's terms; Ben keeps the 6 submitted "
            "candidates warm\u201d (client.feedback-terms): this one costs Tom little and is worth most to Ben, "
            "that one costs Ben little and is worth most to Tom",
        )
        assert "Ben keeps the shortlisted candidates on REQ-0001 warm with contact every two days" in " ".join(
            top.recruiting_gives
        )
        assert len(top.standing_rules) == 1
        assert max(c.due for c in top.check_ins) < min(c.due for c in top.steps)
        calibration = next(p for p in ranked if p.id == "quality.calibration-call")
        assert "quality.reject-reasons" not in calibration.together_with
    finally:
        store.close()
    rules = {r.id: r for r in load_pack().proposals}
    assert dovetails(rules["quality.reject-reasons"], rules["client.feedback-terms"])
    assert not dovetails(rules["quality.reject-reasons"], rules["quality.calibration-call"])  # one category
    assert not dovetails(rules["pay.market-data"], rules["client.feedback-terms"])  # nothing declared
