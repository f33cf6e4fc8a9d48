"""Rule packs: the shipped pack loads, a lead's pack overrides by id, and every bad pack gets a one-line reason."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rule_engine import DataType

from mediation_console.console.cli import cli
from mediation_console.console.core.rules.conditions import FAILURES, Condition
from mediation_console.console.core.rules.facts import PROPOSAL_FACTS
from mediation_console.console.core.rules.pack import CATEGORIES, PackError, load_pack
from tests.helpers import proposal_toml


def proposal(id="mine.one", category="no_intake", when="not intake_done"):
    """A good proposal, the one each bad pack below breaks in one place."""
    do_it = '[{ owner = "sales", text = "do it", due_in = 1 }]'
    return "\n" + proposal_toml(id, category, "A test option", do_it, when=f'"{when}"', criterion_value='"{score:num}"')


def test_the_shipped_pack_loads_with_at_least_two_proposals_per_category():
    pack = load_pack()
    assert sum(c.weight for c in pack.criteria) == 100
    for category in CATEGORIES:
        options = pack.proposals_for(category)
        assert len(options) >= 2, category
        assert all(p.mode in ("collaborating", "compromising") for p in options)
        assert all(p.sales_gives and p.sales_gets and p.recruiting_gives and p.recruiting_gets for p in options)


def test_a_lead_pack_overrides_a_rule_by_id_and_adds_new_ones(tmp_path):
    mine = tmp_path / "rules.toml"
    mine.write_text(
        '[[criteria]]\nid = "pay"\nweight = 20\n\n[[criteria]]\nid = "candidate_supply"\nweight = 5\n'
        + proposal(id="intake.mine")
        + '\n[[proposals]]\nid = "pay.trade-scope"\nenabled = false\n',
        encoding="utf-8",
    )
    pack = load_pack([mine])
    weights = {c.id: c.weight for c in pack.criteria}
    assert (weights["pay"], weights["candidate_supply"]) == (20, 5)
    ids = {p.id for p in pack.proposals}
    assert "intake.mine" in ids and "pay.trade-scope" not in ids
    assert next(c for c in pack.criteria if c.id == "pay").levels  # untouched fields kept


BAD_PACKS = [
    # (what is wrong, pack text, words the message must contain)
    (
        "unknown fact",
        proposal(when="salary_gapp > 10"),
        "proposal 'mine.one': when: unknown fact 'salary_gapp' (did you mean 'salary_gap_pct'?)",
    ),
    ("type mismatch", proposal(when="engagement > 5"), "proposal 'mine.one': when: type mismatch"),
    ("not a yes/no", proposal(when="salary_max + 1"), "proposal 'mine.one': when: type mismatch"),
    ("syntax error", proposal(when="submittals >"), "proposal 'mine.one': when: syntax error"),
    ("duplicate id", proposal() + proposal(), "proposal 'mine.one': duplicate id"),
    ("unknown category", proposal(category="pay_too_low"), "proposal 'mine.one': unknown category 'pay_too_low'"),
    (
        "missing give",
        proposal().replace('recruiting_gives = ["c"]', "recruiting_gives = []"),
        "proposal 'mine.one': recruiting gives nothing",
    ),
    ("missing get", proposal().replace('sales_gets = ["b"]', ""), "proposal 'mine.one': sales gets nothing"),
    ("weights", '[[criteria]]\nid = "pay"\nweight = 10\n', "criterion weights add up to 95, not 100 (urgency 15"),
    (
        "competing",
        proposal().replace("collaborating", "competing"),
        "proposal 'mine.one': mode 'competing' is never proposed",
    ),
    (
        "unknown fact in text",
        proposal().replace("{score:num}", "{scor}"),
        "proposal 'mine.one': criterion_value: unknown fact 'scor'",
    ),
    (
        "unknown fact in a title",
        proposal().replace('title = "', 'title = "{sales_frist} ', 1),
        "proposal 'mine.one': title: unknown fact 'sales_frist' (did you mean 'sales_first'?)",
    ),
    (
        "unknown fact in a give",
        proposal().replace('recruiting_gives = ["c"]', 'recruiting_gives = ["{recruiter} sends c"]'),
        "proposal 'mine.one': recruiting_gives: unknown fact 'recruiter'",
    ),
    (
        "history fact in a scorecard",
        '[[criteria]]\nid = "pay"\nlevels = [{ score = 2, when = "days_open < 3", reason = "x" }, { score = 0, reason = "y" }]\n',
        "criterion 'pay': level 1 when: the fact 'days_open' is not available to scorecards",
    ),
    (
        "typo in a setting",
        proposal().replace("priority", "x").replace('mode = "collaborating"', 'mode = "collaborating"\nprioritty = 2'),
        "proposal 'mine.one': unknown setting 'prioritty'",
    ),
    ("not TOML", "[[proposals]\nid = 1", "is not valid TOML"),
]


@pytest.mark.parametrize(("problem", "text", "words"), BAD_PACKS, ids=[b[0] for b in BAD_PACKS])
def test_an_invalid_pack_is_refused_with_one_line_naming_the_file_and_the_rule(tmp_path, problem, text, words):
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack([bad])
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(bad) + ": ")
    assert words in message


def test_rules_check_accepts_the_shipped_pack(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = CliRunner().invoke(cli, ["rules", "check", "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: default_pack.toml")


def test_mediate_rules_check_on_a_bad_pack_exits_1_with_the_reason_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(proposal(when="engagment == 'exclusive'"), encoding="utf-8")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "MEDIATE_DB": str(tmp_path / "x.db")}
    mediate = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "mediate"
    done = subprocess.run(
        [str(mediate), "rules", "check", str(bad)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"{bad}: proposal 'mine.one': when: unknown fact 'engagment' "
        "(did you mean 'engagement'?) in `engagment == 'exclusive'`"
    )


# -- compiled conditions behave exactly like rule-engine ------------------------------------------

TYPES = {name: spec.type for name, spec in PROPOSAL_FACTS.items()}
SHIPPED = load_pack()
CONDITIONS = [lvl.when for c in SHIPPED.criteria for lvl in c.levels if lvl.when] + [g.when for g in SHIPPED.gates]
CONDITIONS += [p.when for p in SHIPPED.proposals if p.when] + [s.when for p in SHIPPED.proposals for s in p.signals]


def _value(spec_type):
    if spec_type == DataType.BOOLEAN:
        return st.none() | st.booleans()
    if spec_type == DataType.STRING:
        return st.none() | st.sampled_from(["A", "B", "C", "contingent", "exclusive", "retained", "open"])
    return st.none() | st.floats(min_value=-50, max_value=300_000, allow_nan=False).map(lambda v: float(round(v, 1)))


FACTS = st.fixed_dictionaries({name: _value(spec.type) for name, spec in PROPOSAL_FACTS.items()})


@settings(max_examples=300, deadline=None)
@given(FACTS)
def test_compiled_conditions_agree_with_rule_engine_on_any_facts(facts):
    import rule_engine

    for condition in CONDITIONS:
        try:
            expected = bool(condition.rule.matches({**SHIPPED.constants, **facts}))
        except rule_engine.errors.EngineError:
            expected = False
        assert condition(facts) is expected, condition.text


def test_a_condition_on_a_missing_number_does_not_hold():
    condition = Condition.compile("salary_gap_pct > 15", TYPES)
    assert condition({"salary_gap_pct": None}) is False
    assert condition.check({"salary_gap_pct": None}) == (False, "missing data: salary_gap_pct")
    assert issubclass(TypeError, FAILURES)


def test_the_rules_module_is_headless_no_textual_is_imported():
    code = (
        "import sys, mediation_console.console.core.rules.service, mediation_console.console.core.rules.refresh; "
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    )
    python = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2]
    )
    assert done.stdout.strip() == "False", done.stderr
