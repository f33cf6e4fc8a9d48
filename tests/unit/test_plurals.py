"""Counts and distances read as a lead says them: "1 dispute", never "1 disputes"; a date "8 days past",
never "-8 days away" (issue 18, problem 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediation_console.console.core.rules.conditions import format_value
from mediation_console.console.core.rules.facts import Estimate
from mediation_console.db.words import old, plural, until

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("n", "word", "many", "expected"),
    [
        (0, "dispute", None, "0 disputes"),
        (1, "dispute", None, "1 dispute"),
        (2, "dispute", None, "2 disputes"),
        (1, "open dispute", None, "1 open dispute"),
        (1, "competing agency", "competing agencies", "1 competing agency"),
        (3, "competing agency", "competing agencies", "3 competing agencies"),
        (1, "criterion", "criteria", "1 criterion"),
        (1200, "row", None, "1,200 rows"),
    ],
)
def test_plural(n, word, many, expected):
    assert plural(n, word, many) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(-8, "8 days past"), (-1, "yesterday"), (0, "today"), (1, "tomorrow"), (3, "in 3 days")],
)
def test_a_date_distance_reads_after_is(days, expected):
    assert until(days) == expected
    assert format_value(float(days), "until") == expected


def test_an_age_is_never_today_old():
    assert (old(0), old(1), old(6)) == ("new today", "1 day old", "6 days old")


def test_the_shipped_rules_never_print_a_signed_distance_as_days():
    """`days_to_promise` is negative once the date passed: ':days' printed "the date is -8 days away"."""
    pack = (ROOT / "console" / "core" / "rules" / "default_pack.toml").read_text()
    assert "{days_to_promise:days}" not in pack
    assert pack.count("{days_to_promise:until}") == 3


def test_an_estimate_from_one_fill_says_one_fill():
    one = Estimate(days=1, source="history", sample=1, basis="similar", engagement="contingent", grade="B")
    assert one.label.startswith("1 day, the team's median of 1 similar fill")
    assert "1 filled grade B contingent requisition" in one.sentence
    assert "fills" not in one.label and "requisitions" not in one.sentence
    many = Estimate(days=42, source="history", sample=6, basis="team", engagement="contingent", grade=None)
    assert many.label == "42 days, the team's median of 6 fills, the whole team"


def test_the_shipped_rules_say_a_passed_date_is_past():
    """The overpromised-timeline evidence and the reset-date proposal, as loaded, for a date 8 days gone."""
    from mediation_console.console.core.rules.pack import load_pack

    pack = load_pack()
    facts = {"days_to_promise": -8.0, "promise_days": 30.0, "estimate_basis": "45 days"}
    evidence = [s.why.render(facts) for s in pack.categories["overpromised_timeline"].evidence]
    reset = next(p for p in pack.proposals if p.id == "timeline.reset-date")
    said = [*evidence, *(s.why.render(facts) for s in reset.signals), reset.criterion_value.render(facts)]
    assert "the promised date is 8 days past" in said
    assert reset.criterion_value.render(facts).endswith("; the promised date is 8 days past")
    assert not any("-8" in line for line in said)
    assert reset.signals[0].why.render({"days_to_promise": 1.0}) == "the promised date is tomorrow"


def test_a_rules_sentence_agrees_with_its_number():
    from mediation_console.console.core.rules.conditions import ConditionError, Template

    known = {"must_haves", "submittals"}
    text = "{must_haves:num} [must-have is|must-haves are] known; {submittals:num} [submittal|submittals]"
    template = Template.compile(text, known)
    assert template.render({"must_haves": 1.0, "submittals": 3.0}) == "1 must-have is known; 3 submittals"
    assert template.render({"must_haves": 4.0, "submittals": 1.0}) == "4 must-haves are known; 1 submittal"
    assert template.render({"must_haves": None, "submittals": 0}) == "unknown must-haves are known; 0 submittals"
    # A pack constant is written in at load time, its choice made with it.
    fixed = Template.compile("at most {must_haves:num} [must-have|must-haves]", known, {"must_haves": 1})
    assert fixed.render({}) == "at most 1 must-have"
    with pytest.raises(ConditionError, match="needs a number before it"):
        Template.compile("[one|many] {submittals:num}", known)


def test_the_shipped_scorecard_says_one_must_have_and_one_interview_stage():
    from mediation_console.console.core.rules.pack import load_pack
    from mediation_console.console.core.rules.scorecard import Scorer
    from mediation_console.db.models import Requisition

    card = Scorer(load_pack()).score(
        Requisition(
            title="Payroll Lead", client="Acme", sales_owner_id=1, interview_stages=1, must_haves=1, jd_clear=True
        )
    )
    said = " ".join(r.sentence for r in card.reasons)
    assert "1 interview stage," in said and "with 1 must-have" in said
    assert "1 interview stages" not in said and "1 must-haves" not in said and "[" not in said
