"""How the rules read a dispute: normalised words, negation, the category as a prior, evidence gates,
the scorecard's new gates, the time-to-fill fallback, and what `rules explain` and `story load` print."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mediation_console.console.core.rules.facts import estimate_by_steps
from mediation_console.console.core.rules.pack import load_pack
from mediation_console.console.core.rules.scorecard import Scorer
from mediation_console.console.core.rules.words import match_phrases, phrase_words, words
from mediation_console.db.models import Engagement, Requisition
from tests.helpers import proposal_toml

HERE = Path(__file__).parent


def mediate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MEDIATE_DB"}
    return subprocess.run(
        [sys.executable, "-m", "mediation_console", *args], capture_output=True, text=True, env=env, timeout=120
    )


def load_and_explain(db: Path, story: str) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """`mediate story load` of a story in this folder into `db`, then `mediate rules explain D-0001` on it;
    both must succeed. Returns the two runs."""
    loaded = mediate("story", "load", str(HERE / story), "--db", str(db))
    assert loaded.returncode == 0, loaded.stderr
    text = mediate("rules", "explain", "D-0001", "--db", str(db))
    assert text.returncode == 0, text.stderr
    return loaded, text


def found(phrase: str, text: str) -> bool:
    return bool(match_phrases([phrase_words(phrase)], [("summary", text)]))


def test_phrases_match_other_forms_of_the_same_words():
    assert found("declined on pay", "Two candidates decline on pay")
    assert found("declined on pay", "both DECLINED, mainly on pay!")
    assert found("no feedback", "Still no feedback from Lumen")
    assert found("ghosted", "The client has ghosted us")
    assert found("who gets the credit", "Who gets the credit for this placement?")
    assert not found("declined on pay", "declined the interview; pay was fine")


def test_a_negated_phrase_is_not_evidence():
    assert not found("pay", "This is not about pay at all")
    assert not found("discount", "Tom never offered a discount")
    assert found("not responding", "The client is not responding")


def test_words_are_normalised_not_evaluated():
    assert words("__import__('os').system('echo hi')") == ["import", "os", "system", "echo", "hi"]
    assert words("23% below $85,000") == ["23", "pct", "below", "85000"]
    assert words("Café isn't") == ["cafe", "is", "not"]


def test_a_phrase_inside_a_longer_one_counts_once():
    pack = load_pack()
    phrases = pack.categories["pay_below_market"].phrases
    matches = match_phrases(phrases, [("summary", "two candidates declined on pay")])
    assert [" ".join(m.phrase) for m in matches] == ["declin on pay"]


def perfect(**changes) -> Requisition:
    base = dict(
        title="Payroll Specialist",
        client="Lumen",
        sales_owner_id=1,
        engagement=Engagement.EXCLUSIVE,
        fee_pct=22,
        competing_agencies=0,
        salary_max=110_000,
        market_salary=110_000,
        intake_at="2026-11-01T10:00",
        hiring_manager_access=True,
        feedback_agreed_48h=True,
        interview_dates_agreed=True,
        promised_date="2026-12-30",
        headcount_approved=True,
        reason_known=True,
        interview_stages=2,
        jd_clear=True,
        must_haves=3,
        candidates_exist=True,
    )
    base.update(changes)
    return Requisition(**base)


def test_terms_far_below_standard_and_too_many_must_haves_cap_the_grade_at_b():
    scorer = Scorer(load_pack())
    shared = scorer.score(
        perfect(engagement=Engagement.CONTINGENT, fee_pct=12, competing_agencies=4, hiring_manager_access=False)
    )
    assert shared.grade == "B"
    assert "terms_far_below_standard" in [g.gate for g in shared.gates]
    assert "12% fee against 4 other agencies" in shared.gates[0].sentence
    long_list = scorer.score(perfect(must_haves=9))
    assert long_list.grade == "B"
    assert [g.gate for g in long_list.gates] == ["too_many_must_haves"]
    assert scorer.score(perfect()).grade == "A"


def test_time_to_fill_falls_back_step_by_step_and_says_which_step():
    similar = estimate_by_steps(
        [("similar", [30, 42, 40, 55, 24, 44, 42]), ("grade", []), ("team", [])], "A", "contingent"
    )
    assert similar.label == "42 days, the team's median of 7 similar fills, 24–55"
    grade = estimate_by_steps([("similar", [30]), ("grade", [20, 30, 40, 50, 60]), ("team", [])], "A", "contingent")
    assert grade.basis == "grade" and "grade A fills" in grade.label and grade.days == 40
    team = estimate_by_steps([("similar", []), ("grade", []), ("team", [10, 20, 30, 40, 50])], "A", "contingent")
    assert team.basis == "team" and "the whole team" in team.label
    bench = estimate_by_steps([("similar", [30]), ("grade", [30]), ("team", [30, 31])], "A", "contingent")
    assert bench.basis == "benchmark" and "SHRM benchmark" in bench.label
    assert "team's median" not in bench.label


def test_story_load_and_rules_explain_show_the_diagnosis_and_why_an_option_does_not_apply(tmp_path):
    db = tmp_path / "story.db"
    loaded, text = load_and_explain(db, "zero_submittals_logged_as_quality.toml")
    assert "D-0001 (candidate_quality)" in loaded.stdout
    assert "Diagnosis: The facts point elsewhere: logged as candidate quality" in text.stdout
    assert "not supported: no internal rejects recorded" in text.stdout
    assert "1. Ben submits on REQ-0001 within its grade C SLA (5 business days); Tom ranks the queue" in text.stdout
    out = mediate("rules", "explain", "D-0001", "--db", str(db), "--format", "json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["diagnosis"]["points_elsewhere"] is True
    assert report["diagnosis"]["suggested"] == "slow_submittals"
    top = report["proposals"][0]
    assert (top["rule_id"], top["rank"], top["category"]) == ("submittals.sla-by-grade", 1, "slow_submittals")
    assert "SLA for grade" in top["criterion"]["value"]
    assert {c["owner"] for c in top["commitments"]} == {"sales", "recruiting"}
    rejects = next(p for p in report["proposals"] if p["rule_id"] == "quality.reject-reasons")
    assert rejects["ranked"] is False and rejects["rank"] is None
    assert rejects["why"][0].startswith("not supported: no internal rejects recorded")


def test_a_story_that_cannot_be_read_writes_nothing_and_says_which_key(tmp_path):
    story = tmp_path / "bad.toml"
    story.write_text(
        (HERE / "fee_cut_logged_as_credit.toml")
        .read_text(encoding="utf-8")
        .replace("fee_pct = 12", 'fee_pct = "twelve"'),
        encoding="utf-8",
    )
    db = tmp_path / "bad.db"
    result = mediate("story", "load", str(story), "--db", str(db))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "fee_pct" in result.stderr and "Nothing was written" in result.stderr
    listing = mediate("rules", "explain", "D-0001", "--db", str(db))
    assert "There is no dispute D-0001" in listing.stderr or "does not exist" in listing.stderr


def test_rules_check_warns_about_an_option_that_can_never_rank_first(tmp_path):
    shipped = mediate("rules", "check", "--db", str(tmp_path / "x.db"))
    assert shipped.returncode == 0, shipped.stderr
    assert "warning" not in shipped.stderr
    pack = tmp_path / "mine.toml"
    do_it = '[{ owner = "sales", text = "do it", due_in = 1 }]'
    days = '"{days_open:days}"'
    always = proposal_toml("intake.always", "no_intake", "Always this", do_it, priority="9", criterion_value=days)
    pack.write_text(
        """
[[proposals]]
id = "intake.joint-call"
priority = 0.5
requires = "not intake_done"
"""
        + always,
        encoding="utf-8",
    )
    mine = mediate("rules", "check", str(pack), "--db", str(tmp_path / "x.db"))
    assert mine.returncode == 0, mine.stderr
    assert "proposal 'intake.joint-call' can never rank first: 'intake.always'" in mine.stderr
