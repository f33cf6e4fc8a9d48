"""Interests restated: each proposal says how it meets the sales side's and the recruiting side's stated
interest in their own words, and one that meets neither ranks below one that does."""

from __future__ import annotations

import json
import re

from mediation_console.console.core import notes as nt
from mediation_console.console.core.calendar import BusinessCalendar
from mediation_console.console.core.rules.service import Mediator
from tests.stories.test_story_suite import HERE, STORIES, explain
from tests.stories.test_wording import _notes_with

QUOTE = re.compile(r"^(Meets|Does not speak to) (.+?)'s? '(.+?)'(: (.+))?$")


def _ranked(considered):
    return [c.proposal for c in considered if c.proposal is not None]


def test_a_proposal_that_meets_neither_interest_ranks_below_one_that_does(tmp_path):
    """The same facts twice: in the first both sides want the date itself dealt with, and the reset (which
    meets both) ranks first; in the second both say they want a standing rule, the reset meets neither
    and falls below the quoted median, which meets both. Without the interests the reset would still lead."""
    _e, _d, _g, first, store_a = explain(HERE / "promise_a_little_short.toml", tmp_path / "a")
    _e, _d, _g, second, store_b = explain(
        HERE / "promise_a_little_short_both_want_a_standing_rule.toml", tmp_path / "b"
    )
    try:
        before = {p.id: p for p in _ranked(first)}
        after = {p.id: p for p in _ranked(second)}
        assert _ranked(first)[0].id == "timeline.reset-date"
        assert all(i.met for i in before["timeline.reset-date"].interests)

        reset, median = after["timeline.reset-date"], after["timeline.quote-median"]
        assert [i.met for i in reset.interests] == [False, False]
        assert [i.met for i in median.interests] == [True, True]
        assert _ranked(second)[0].id == "timeline.quote-median"
        assert reset.rank_score < median.rank_score
        # The interests moved it: without what they add, the reset ranks above the median.
        assert reset.rank_score - reset.interest_adjustment > median.rank_score - median.interest_adjustment
        assert reset.interest_lines() == (
            "Does not speak to Tom's 'Published numbers to show clients, not my opinion'",
            "Does not speak to Ben's 'Sales quoting our median time to fill on every new job'",
        )
        assert median.interest_lines()[1] == (
            "Meets Ben's 'quoting our median time to fill': Tom quotes the realistic time to fill "
            "(42 days, the team's median of 8 similar fills, 24–55) to clients"
        )
    finally:
        store_a.close()
        store_b.close()


def test_the_top_proposal_restates_each_side_in_its_own_words(tmp_path):
    _e, _d, _g, considered, store = explain(HERE / "pay_gap_23_logged_as_quality.toml", tmp_path)
    try:
        top = _ranked(considered)[0]
        assert top.id == "pay.market-data"
        assert top.interest_lines() == (
            "Meets Tom's 'shortlist the client': Calibration profiles that show Lumen what $85,000 buys",
            "Meets Ben's 'range the market': A range the market answers, or Lumen's recorded decision to keep it",
        )
        assert top.interest_adjustment == 2.0
    finally:
        store.close()


def test_every_ranked_proposal_quotes_the_stated_interests_as_written(tmp_path):
    """In every story: one line per stated interest (none for an empty one), naming whoever stands for the
    side, its quote taken word for word from the interest, and a met interest shows one of the proposal's
    own texts for that side."""
    checked = 0
    for n, path in enumerate(STORIES):
        _e, dispute, _g, considered, store = explain(path, tmp_path / str(n))
        try:
            facts = Mediator(
                store, today=store.now().date(), include_user_pack=False, calendar=BusinessCalendar("US")
            ).dispute_fact_values(dispute)
            stated = {
                side: text
                for side, text in (("sales", dispute.sales_interest), ("recruiting", dispute.recruiting_interest))
                if text.strip()
            }
            for proposal in _ranked(considered):
                assert [i.side for i in proposal.interests] == list(stated), path.stem
                for interest in proposal.interests:
                    who = facts["sales_first"] if interest.side == "sales" else facts["recruiter_first"]
                    assert interest.person == who
                    assert interest.interest == stated[interest.side]
                    assert interest.quote in stated[interest.side], (path.stem, interest)
                    found = QUOTE.match(interest.sentence())
                    assert found is not None, interest.sentence()
                    if interest.met:
                        theirs = (
                            (*proposal.sales_gets, *proposal.recruiting_gives)
                            if interest.side == "sales"
                            else (*proposal.recruiting_gets, *proposal.sales_gives)
                        )
                        assert interest.how in (*theirs, proposal.title)
                    checked += 1
        finally:
            store.close()
    assert checked > 200


def test_rules_explain_and_the_notes_show_the_interests(tmp_path, capsys):
    from mediation_console.console.cli.rules import _explain_dispute, _explain_dispute_json

    _e, dispute, _g, considered, store = explain(HERE / "pay_gap_23_logged_as_quality.toml", tmp_path)
    try:
        mediator = Mediator(store, today=store.now().date(), include_user_pack=False, calendar=BusinessCalendar("US"))
        _explain_dispute(mediator, dispute)
        text = capsys.readouterr().out
        assert "   Interests: Meets Tom's 'shortlist the client': Calibration profiles that show Lumen" in text
        assert "+1: Meets Ben's 'range the market'" in text
        assert "interests met 2 of 2 +2" in text

        _explain_dispute_json(mediator, dispute)
        top = json.loads(capsys.readouterr().out)["proposals"][0]
        assert top["interest_adjustment"] == 2.0
        assert [(i["side"], i["person"], i["met"], i["quote"]) for i in top["interests"]] == [
            ("sales", "Tom", True, "shortlist the client"),
            ("recruiting", "Ben", True, "range the market"),
        ]

        notes = _notes_with(dispute, _ranked(considered)[0], "Ben Carter", "Tom Okafor")
        for fmt in ("md", "slack", "html"):
            rendered = nt.render(notes, fmt)
            assert "Meets Ben" in rendered and "range the market" in rendered, fmt
            assert "Calibration profiles that show Lumen" in rendered, fmt
        assert nt.render(notes, "json").count("Meets ") >= 2
    finally:
        store.close()


def test_a_filled_text_read_piece_by_piece_has_the_words_of_the_whole_text(tmp_path):
    """The rules read a filled text's words from its pieces (the pack's wording is the same for every
    dispute, so its words are kept); that must be what reading the whole sentence gives."""
    from mediation_console.console.core.rules.interests import text_of
    from mediation_console.console.core.rules.words import stems

    _e, dispute, _g, _c, store = explain(HERE / "pay_gap_23_logged_as_quality.toml", tmp_path)
    try:
        mediator = Mediator(store, today=store.now().date(), include_user_pack=False, calendar=BusinessCalendar("US"))
        facts = mediator.dispute_fact_values(dispute)
        checked = 0
        for rule in mediator.pack.proposals:
            for name in ("sales_gives", "sales_gets", "recruiting_gives", "recruiting_gets"):
                for template in getattr(rule, name):
                    text, read = text_of(template, facts)
                    assert read == stems(text), (rule.id, text)
                    checked += 1
        assert checked >= 90
    finally:
        store.close()
