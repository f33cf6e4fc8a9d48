"""Disputes between the two teams about something other than blame (slow submittals, salaries nobody takes,
intakes never held): about no single requisition, so the diagnosis reads the teams' own open requisitions —
counts out of their samples, medians, with where they come from — not only the dispute's words and the teams'
follow-through. Each story's [expect.team_facts] gives the numbers read; `without` is the category the
words and follow-through alone would point to ("none": they support none), so a story whose numbers disagree
with its words shows it."""

from __future__ import annotations

import datetime as dt
import json
import tomllib

import pytest

from tests.stories.test_story_suite import CALENDAR, HERE, explain

WITH_TEAM_FACTS = sorted(
    p for p in HERE.glob("*.toml") if "team_facts" in tomllib.loads(p.read_text(encoding="utf-8")).get("expect", {})
)


def test_at_least_three_stories_assert_the_teams_facts_and_one_has_numbers_that_overrule_its_words():
    assert len(WITH_TEAM_FACTS) >= 3
    expects = [tomllib.loads(p.read_text(encoding="utf-8"))["expect"] for p in WITH_TEAM_FACTS]
    assert any(e["team_facts"]["without"] != e["category"] for e in expects)
    assert len({e["category"] for e in expects}) >= 3


@pytest.mark.parametrize("path", WITH_TEAM_FACTS, ids=[p.stem for p in WITH_TEAM_FACTS])
def test_a_dispute_between_the_teams_is_diagnosed_from_the_teams_open_requisitions(path, tmp_path):
    from mediation_console.console.core.rules.diagnosis import diagnose
    from mediation_console.console.core.rules.service import Mediator
    from mediation_console.console.core.rules.team_facts import no_team_facts

    expect, dispute, diagnosis, considered, store = explain(path, tmp_path)
    try:
        assert dispute.between_teams and dispute.requisition_id is None
        wanted = dict(expect["team_facts"])
        without = wanted.pop("without")
        mediator = Mediator(store, today=store.now().date(), include_user_pack=False, calendar=CALENDAR)
        facts = mediator.dispute_fact_values(dispute)
        for name, value in wanted.items():
            assert facts[name] == pytest.approx(value, abs=0.5), (name, facts[name])
        # The category the evidence supports gets facts from the teams' requisitions, not only words.
        top = diagnosis.score_of(expect["category"])
        assert top is not None and top.supported and top.facts_score >= 3, top
        assert any(e.source == "facts" and " of the teams' " in e.text for e in top.evidence), top.evidence
        # From the words and follow-through alone (no team requisition facts) the diagnosis reads `without`.
        words_only = diagnose(
            mediator.pack,
            {**facts, **no_team_facts()},
            dispute.category.value,
            dispute.summary,
            dispute.sales_interest,
            dispute.recruiting_interest,
        )
        assert words_only.suggested == (None if without == "none" else without), words_only.note()
        # The disputes screen and rules explain list the category's team facts with their values.
        lines = {line.fact: line for line in mediator.dispute_facts(dispute.id)}
        category = mediator.pack.categories[expect["category"]]
        assert category.team_facts
        for name in category.team_facts:
            assert name in lines, name
            assert lines[name].value != "unknown" or facts[name] is None
        for name, value in wanted.items():
            if name in lines and name.endswith(("_n", "_reqs", "_market", "_sla", "_intake", "_client", "_declines")):
                assert lines[name].value == f"{value:g}", (name, lines[name])
    finally:
        store.close()


def test_rules_explain_shows_the_teams_numbers_and_the_evidence_they_give(tmp_path, capsys):
    from mediation_console.console.cli.rules import _explain_dispute, _explain_dispute_json
    from mediation_console.console.core.rules.service import Mediator

    expect, dispute, _diagnosis, _considered, store = explain(HERE / "teams_salaries_nobody_takes.toml", tmp_path)
    try:
        mediator = Mediator(store, today=store.now().date(), include_user_pack=False, calendar=CALENDAR)
        capsys.readouterr()
        _explain_dispute(mediator, dispute)
        text = capsys.readouterr().out
        assert "Of those, paying more than the pay gate below market" in text
        assert "Median salary max vs market median" in text and "20% below" in text
        assert expect["evidence"][0] in text
        assert "teams.pay-market-sweep" in text
        _explain_dispute_json(mediator, dispute)
        shown = json.loads(capsys.readouterr().out)
        assert shown["facts"]["team_below_market"] == "4"
        assert shown["facts"]["team_pay_n"] == "5"
        assert shown["proposals"][0]["rule_id"] == "teams.pay-market-sweep"
    finally:
        store.close()


def test_the_teams_numbers_follow_a_change_to_their_requisitions(tmp_path):
    """The counts are cached per state of the file: an intake recorded on one requisition moves them at once."""
    from mediation_console.console.core.rules.service import Mediator

    _expect, dispute, _diagnosis, _considered, store = explain(HERE / "teams_intake_never_held.toml", tmp_path)
    try:
        mediator = Mediator(store, today=store.now().date(), include_user_pack=False, calendar=CALENDAR)
        assert mediator.dispute_fact_values(dispute)["team_no_intake"] == 4
        req = next(r for r in store.iter_requisitions(open_only=True) if r.intake_at is None)
        store.update_requisition(req.model_copy(update={"intake_at": store.now() - dt.timedelta(hours=1)}))
        after = mediator.dispute_fact_values(dispute)
        assert after["team_no_intake"] == 3 and after["team_intakes"] == 3
    finally:
        store.close()


def test_a_dispute_about_one_requisition_reads_no_team_numbers(tmp_path):
    _expect, dispute, diagnosis, _considered, store = explain(HERE / "no_intake_logged_as_slow.toml", tmp_path)
    try:
        from mediation_console.console.core.rules.service import Mediator

        assert not dispute.between_teams
        facts = Mediator(store, today=store.now().date(), include_user_pack=False).dispute_fact_values(dispute)
        assert facts["team_open_reqs"] is None and facts["team_no_intake"] is None
        assert all(" of the teams' " not in e.text for s in diagnosis.scores for e in s.evidence)
    finally:
        store.close()
