"""The scenario suite: every dispute story in this folder, built through the Store with its own clock,
read by the rules as a lead would read `mediate rules explain`. Each story's [expect] table says what a
good mediator concludes: the proposal that ranks first, the category the evidence points to, whether
the facts point away from the category logged, evidence and criterion numbers that must be cited, and
options that must not be ranked at all."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mediation_console.console.core.calendar import BusinessCalendar
from mediation_console.console.core.database import open_store
from mediation_console.console.core.rules.service import Mediator
from mediation_console.console.core.stories import load_story

HERE = Path(__file__).parent
STORIES = sorted(HERE.glob("*.toml"))
CALENDAR = BusinessCalendar("US")


def explain(path: Path, tmp_path: Path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    store = open_store(tmp_path / "story.db")
    loaded = load_story(store, data, source=path.name, calendar=CALENDAR)
    store.now = lambda: loaded.now
    mediator = Mediator(store, today=loaded.now.date(), include_user_pack=False, calendar=CALENDAR)
    dispute = loaded.disputes[-1]
    diagnosis, considered = mediator.explain(dispute.id)
    return data.get("expect", {}), dispute, diagnosis, considered, store


def test_the_suite_has_enough_varied_stories():
    expects = [tomllib.loads(p.read_text(encoding="utf-8")) for p in STORIES]
    assert len(STORIES) >= 30
    logged = [
        e["dispute"][-1]["category"] if isinstance(e["dispute"], list) else e["dispute"]["category"] for e in expects
    ]
    expected = [e["expect"]["category"] for e in expects]
    assert sum(1 for got, want in zip(logged, expected, strict=True) if got not in (want, "unsure")) >= 10
    assert logged.count("unsure") >= 5


def test_every_option_in_the_shipped_pack_ranks_first_in_some_story():
    """No option is unreachable: each is the expected top of at least one story, and the story test
    below asserts that it really ranks first there."""
    from mediation_console.console.core.rules.pack import load_pack

    tops = {tomllib.loads(p.read_text(encoding="utf-8"))["expect"]["top"] for p in STORIES}
    never_first = sorted({p.id for p in load_pack().proposals} - tops)
    assert never_first == [], f"no story where these rank first: {never_first}"


def test_two_summaries_under_one_category_get_different_proposals(tmp_path):
    money = explain(HERE / "same_category_summary_about_money.toml", tmp_path / "a")
    fit = explain(HERE / "same_category_summary_about_fit.toml", tmp_path / "b")
    try:
        tops = [next(c.proposal for c in result[3] if c.proposal is not None) for result in (money, fit)]
        assert tops[0].id != tops[1].id
        assert money[1].category == fit[1].category
    finally:
        money[4].close()
        fit[4].close()


@pytest.mark.parametrize("path", STORIES, ids=[p.stem for p in STORIES])
def test_the_right_proposal_ranks_first_for_the_right_reasons(path, tmp_path):
    expect, dispute, diagnosis, considered, store = explain(path, tmp_path)
    try:
        ranked = [c for c in considered if c.proposal is not None]
        assert ranked, f"{path.stem}: nothing ranked; diagnosis: {diagnosis.note()}"
        top = ranked[0].proposal
        order = [c.rule_id for c in ranked[:4]]
        assert top.id == expect["top"], f"{path.stem}: ranked {order}; {diagnosis.note()}"
        assert diagnosis.suggested == expect["category"], diagnosis.note()
        if "points_elsewhere" in expect:
            assert diagnosis.points_elsewhere is expect["points_elsewhere"]
            assert ("point elsewhere" in diagnosis.note()) is expect["points_elsewhere"]
        evidence = [e.text for s in diagnosis.scores for e in s.evidence]
        for wanted in expect.get("evidence", []):
            assert any(wanted in line for line in evidence), f"{wanted!r} not in {evidence}"
        for wanted in expect.get("criterion", []):
            assert wanted in top.criterion_value, f"{wanted!r} not in {top.criterion_value!r}"
        if "not_top" in expect:
            assert top.id != expect["not_top"]
        by_id = {c.rule_id: c for c in considered}
        for rule_id in expect.get("not_ranked", []):
            assert by_id[rule_id].proposal is None
            assert by_id[rule_id].why and by_id[rule_id].why[0].startswith(("not supported", "not considered"))
    finally:
        store.close()


if __name__ == "__main__":  # a quick look at every story: .venv/bin/python tests/stories/test_story_suite.py
    import tempfile

    for path in STORIES:
        with tempfile.TemporaryDirectory() as tmp:
            expect, dispute, diagnosis, considered, store = explain(path, Path(tmp))
            ranked = [c.rule_id for c in considered if c.proposal is not None][:3]
            ok = (
                "ok "
                if ranked and ranked[0] == expect.get("top") and diagnosis.suggested == expect.get("category")
                else "BAD"
            )
            print(
                f"{ok} {path.stem:<48} want {expect.get('top')}/{expect.get('category')}  got {ranked} / {diagnosis.suggested}"
            )
            store.close()
