"""Costed fallbacks (BATNA, issue 14): for each story whose [expect.fallback] says so, what each side does
with no agreement and what that costs from the data: the expected fee at these terms against the
alternative terms, each side's share, the expected time to fill, the candidates at risk, each figure with
its sample, and a plain sentence instead of a figure where the data is missing. Shown the same in
`rules explain` (text and json), in every notes format and on the disputes screen.

Feasibility: for each story whose [expect] has if_no_answer, the top proposal's steps that wait on someone
outside the room who may not answer (a hiring manager with no access recorded, a client silent on
submitted candidates) say what happens if that person has not answered by the step's due date; the other
steps say nothing of the kind."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
from click.testing import CliRunner

from mediation_console.console.core import notes as nt
from mediation_console.console.core.rules.service import Mediator
from tests.helpers import proposal_toml
from tests.stories.test_story_suite import CALENDAR, HERE, explain
from tests.stories.test_wording import _clean, _notes_with

WITH_FALLBACK = sorted(
    p for p in HERE.glob("*.toml") if "fallback" in tomllib.loads(p.read_text(encoding="utf-8")).get("expect", {})
)
KINDS = ("expected_fee", "alternative_fee", "time_to_fill", "candidates_at_risk")


def _costed(path, tmp_path):
    expect, dispute, _diagnosis, considered, store = explain(path, tmp_path)
    mediator = Mediator(store, today=store.now().date(), include_user_pack=False, calendar=CALENDAR)
    top = next((c.proposal for c in considered if c.proposal is not None), None)
    return expect, dispute, top, mediator, mediator.costed_fallback(dispute, top.category if top else None), store


def test_at_least_five_stories_cost_the_fallbacks():
    assert len(WITH_FALLBACK) >= 5


@pytest.mark.parametrize("path", WITH_FALLBACK, ids=[p.stem for p in WITH_FALLBACK])
def test_each_sides_fallback_is_costed_from_the_data(path, tmp_path):
    expect, _dispute, top, _mediator, costed, store = _costed(path, tmp_path)
    try:
        wanted = expect["fallback"]
        assert top is not None and costed.category == top.category
        assert wanted["sales"] in costed.sales.action
        if "recruiting" in wanted:
            assert wanted["recruiting"] in costed.recruiting.action
        for kind in KINDS:
            if kind not in wanted:
                continue
            values = [c.value for c in costed.costs if c.kind == kind]
            figures = wanted[kind] if isinstance(wanted[kind], list) else [wanted[kind]]
            assert len(values) == len(figures), (kind, [c.text for c in costed.costs])
            for value, figure in zip(values, figures, strict=True):
                # "missing": that line is not costed (the data is not there), so it has no figure.
                assert value is None if figure == "missing" else value == pytest.approx(figure, abs=0.01), (kind, value)
        for side in ("sales", "recruiting"):
            if f"{side}_share" in wanted:
                assert costed.side(side).fee_share == pytest.approx(wanted[f"{side}_share"])
        for missing in wanted.get("missing", []):
            if missing.endswith("_share"):
                assert costed.side(missing.removesuffix("_share")).fee_share is None
            else:
                found = [c for c in costed.costs if c.kind == missing]
                assert found and all(c.value is None for c in found), (missing, found)
                # Where the data is missing the line says so in words, never with a figure for the fee.
                assert all("not costed" in c.text or "nothing left" in c.text for c in found)
        for kind, n in wanted.get("n", {}).items():
            assert costed.cost(kind) is not None and costed.cost(kind).n == n, (kind, costed.cost(kind))
        texts = [c.text for c in costed.costs]
        for text in wanted.get("texts", []):
            assert any(text in line for line in texts), f"{text!r} not in {texts}"
        for line in texts:
            _clean(line, path.stem)
            assert "unknown" not in line, line
    finally:
        store.close()


@pytest.mark.parametrize("path", WITH_FALLBACK, ids=[p.stem for p in WITH_FALLBACK])
def test_rules_explain_and_every_notes_format_show_the_costed_fallback(path, tmp_path, capsys):
    from mediation_console.console.cli.rules import _explain_dispute, _explain_dispute_json

    _expect, dispute, top, mediator, costed, store = _costed(path, tmp_path)
    try:
        capsys.readouterr()
        _explain_dispute(mediator, dispute)
        text = capsys.readouterr().out
        assert "If no agreement (each side's fallback, costed from the data):" in text
        assert f"Sales:       {costed.sales.action}" in text
        for cost in costed.costs:
            assert f"  · {cost.text}" in text
        _explain_dispute_json(mediator, dispute)
        shown = json.loads(capsys.readouterr().out)["fallback"]
        assert shown == json.loads(json.dumps(costed.as_dict()))
        assert [c["kind"] for c in shown["costs"]] == [c.kind for c in costed.costs]

        notes = _notes_with(dispute, top)
        notes.disputes[0].fallback = nt._fallback(costed)
        for fmt in ("md", "slack", "html", "json"):
            rendered = str(nt.render(notes, fmt))
            if fmt == "json":
                back = json.loads(rendered)["disputes"][0]["fallback"]
                assert back["costs"] == [c.text for c in costed.costs]
                assert back["sales"].startswith(costed.sales.action)
                continue
            plain = re.sub(r"<[^>]+>|\\", "", rendered).replace("&amp;", "&").replace("&#39;", "'")
            assert "If no agreement" in plain, fmt
            assert costed.sales.action in plain, fmt
            for cost in costed.costs:
                assert cost.text in plain, (fmt, cost.text)
            _clean(rendered, f"{path.stem} {fmt}")
    finally:
        store.close()


def test_the_notes_of_a_meeting_cost_an_open_disputes_fallback_from_the_installed_rules(tmp_path):
    """gather_notes with the installed rules: a dispute discussed in the standup carries its fallback."""
    path = HERE / "fallback_discount_costed_against_standard_fee.toml"
    _expect, dispute, _top, mediator, costed, store = _costed(path, tmp_path)
    try:
        from mediation_console.db.models import Standup, StandupItem

        standup = store.start_standup(
            Standup(
                started_at=store.now(),
                items=[StandupItem(section="disputes", title=dispute.summary, dispute_id=dispute.id, done=True)],
            )
        )
        data = nt.gather_notes(
            store,
            standup.saved_id,
            proposals=lambda d: mediator.proposals(d),
            fallbacks=mediator.costed_fallback,
        )
        fallback = data.disputes[0].fallback
        assert fallback is not None
        assert fallback.costs == [c.text for c in costed.costs]
        assert fallback.sales == f"{costed.sales.action} ({costed.sales.share_text})"
        assert "$1,875" in fallback.sales
    finally:
        store.close()


def test_no_requisition_costs_the_teams_time_to_fill_and_says_there_is_no_fee(tmp_path):
    _expect, _dispute, _top, _mediator, costed, store = _costed(HERE / "teams_recruiting_never_delivers.toml", tmp_path)
    try:
        assert costed.cost("expected_fee").value is None
        assert "about no single requisition" in costed.cost("expected_fee").text
        ttf = costed.cost("time_to_fill")
        assert ttf.value == 42 and ttf.n == 6
        assert ttf.text == "Team time to fill: 42 days, the team's median of 6 fills, 30–55"
        assert costed.cost("candidates_at_risk") is None
    finally:
        store.close()


def test_a_fallback_text_with_an_unknown_placeholder_is_a_pack_error():
    from mediation_console.console.core.rules.pack import PackError, load_pack_text

    with pytest.raises(PackError) as caught:
        load_pack_text('[categories.fee_concession]\nsales_fallback = "{sales_frist} gives the discount"\n')
    assert "sales_fallback" in str(caught.value) and "did you mean 'sales_first'" in str(caught.value)


def test_rules_explain_json_carries_the_fallback_from_the_command_line(tmp_path):
    from mediation_console.console.cli import cli

    path = HERE / "fallback_client_silent_three_candidates_at_risk.toml"
    _expect, dispute, _top, _mediator, costed, store = _costed(path, tmp_path)
    db = store.path
    store.close()
    result = CliRunner().invoke(cli, ["rules", "explain", dispute.code, "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)["fallback"]
    assert shown["sales"]["action"] == "Tom keeps chasing Lumen informally"
    fee = next(c for c in shown["costs"] if c["kind"] == "expected_fee")
    assert fee["n"] == 5 and fee["source"] == "the team's closed requisitions on these terms"
    assert [c["kind"] for c in shown["costs"]] == [c.kind for c in costed.costs]


WITH_IF_NO_ANSWER = sorted(
    p for p in HERE.glob("*.toml") if "if_no_answer" in tomllib.loads(p.read_text(encoding="utf-8")).get("expect", {})
)


def test_at_least_five_stories_assert_the_if_no_answer_steps():
    assert len(WITH_IF_NO_ANSWER) >= 5
    assert (
        sum(1 for p in WITH_IF_NO_ANSWER if tomllib.loads(p.read_text(encoding="utf-8"))["expect"]["if_no_answer"]) >= 4
    )


@pytest.mark.parametrize("path", WITH_IF_NO_ANSWER, ids=[p.stem for p in WITH_IF_NO_ANSWER])
def test_a_step_that_waits_on_someone_outside_the_room_says_what_happens_if_they_do_not_answer(path, tmp_path, capsys):
    import datetime as dt

    from mediation_console.console.cli.rules import _explain_dispute, _explain_dispute_json

    expect, dispute, top, mediator, _costed_fb, store = _costed(path, tmp_path)
    try:
        assert top is not None and top.id == expect["top"]
        wanted = {w["step"]: w for w in expect["if_no_answer"]}
        for planned in top.commitments:
            if planned.text in wanted:
                w = wanted.pop(planned.text)
                assert planned.due == dt.date.fromisoformat(w["due"])
                assert planned.if_no_answer.startswith(w["line"]), planned.if_no_answer
            else:
                assert planned.if_no_answer == "", (planned.text, planned.if_no_answer)
        assert not wanted, f"steps not in the top proposal: {list(wanted)}"
        # Accepted, each stored commitment keeps its if-no-answer line after the step.
        stored = mediator.commitments_for(top, dispute)
        for planned, commitment in zip(top.commitments, stored, strict=True):
            expected = f"{planned.text}. {planned.if_no_answer}" if planned.if_no_answer else planned.text
            assert commitment.text == expected
        capsys.readouterr()
        _explain_dispute(mediator, dispute)
        text = capsys.readouterr().out
        for planned in top.commitments:
            if planned.if_no_answer:
                assert f"): {planned.text}\n     {planned.if_no_answer}\n" in text
        _explain_dispute_json(mediator, dispute)
        shown = json.loads(capsys.readouterr().out)["proposals"][0]["commitments"]
        assert [c["if_no_answer"] for c in shown] == [p.if_no_answer for p in top.commitments]
    finally:
        store.close()


def test_a_step_cannot_depend_on_someone_the_pack_does_not_know():
    from mediation_console.console.core.rules.pack import PackError, load_pack_text

    step = '[{ owner = "sales", text = "Call {client_name}", due_in = 1, depends_on = "hiring_manger" }]'
    pack = proposal_toml("mine.one", "client_unresponsive", "{sales_first} calls {client_name}", step)
    with pytest.raises(PackError) as caught:
        load_pack_text(pack)
    problem = str(caught.value)
    assert "depends_on 'hiring_manger' names nobody in [outside]" in problem
    assert "did you mean 'hiring_manager'?" in problem


def test_a_lead_can_say_who_else_may_not_answer_in_their_own_pack():
    """[outside] is data: a lead's pack adds the candidate as someone a step can wait on, and its line."""
    from mediation_console.console.core.rules.fallback import OUTSIDE_IN_DOUBT, if_no_answer, outside_in_doubt
    from mediation_console.console.core.rules.pack import load_pack_text

    pack = load_pack_text(
        """
[outside.candidate]
who = "the candidate"
when = "declines >= 1"
why = "{declines:num} candidate declined already"
if_no_answer = "{recruiter_first} moves to the next candidate on {requisition_ref}"
"""
    )
    facts = {
        "declines": 1.0,
        "recruiter_first": "Ben",
        "requisition_ref": "REQ-0042",
        "hiring_manager_access": True,
        "candidates_waiting": 0.0,
        "client_silent_bdays": None,
    }
    facts[OUTSIDE_IN_DOUBT] = outside_in_doubt(pack, facts)
    assert set(facts[OUTSIDE_IN_DOUBT]) == {"candidate"}
    import datetime as dt

    line = if_no_answer(("hiring_manager", "candidate"), None, facts, dt.date(2026, 12, 4))
    assert line == (
        "If the candidate has not answered by Fri 04 Dec (1 candidate declined already): "
        "Ben moves to the next candidate on REQ-0042"
    )
    assert if_no_answer(("hiring_manager",), None, facts, dt.date(2026, 12, 4)) == ""
