"""`mediate --rules PACK` grades with that pack in every command that grades, as the console does."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mediation_console.console.cli import cli
from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.store import Store

STORY = Path(__file__).resolve().parents[1] / "stories" / "client_ghosting_unsure.toml"
# Thresholds every scored requisition passes: under this pack the story's requisition grades A.
LENIENT = "[grades]\nA = 2\nB = 1\n"


def test_story_load_grades_the_storys_requisitions_with_the_rules_pack(tmp_path):
    pack = tmp_path / "lenient.toml"
    pack.write_text(LENIENT, encoding="utf-8")
    runner = CliRunner()
    shipped, ours = tmp_path / "shipped.db", tmp_path / "ours.db"
    assert runner.invoke(cli, ["story", "load", str(STORY), "--db", str(shipped)]).exit_code == 0
    result = runner.invoke(cli, ["--rules", str(pack), "story", "load", str(STORY), "--db", str(ours)])
    assert result.exit_code == 0, result.output
    with Store(shipped) as plain, Store(ours) as graded:
        (before,) = plain.iter_requisitions()
        (after,) = graded.iter_requisitions()
        expected = Mediator(graded, extra_packs=[pack]).scorecard_for(after.saved_id)
        assert (after.grade, after.score) == (expected.grade, expected.score)
        assert before.grade == Mediator(plain).scorecard_for(before.saved_id).grade != after.grade


def test_story_load_refuses_a_rules_pack_the_rules_refuse_before_writing_anything(tmp_path):
    pack = tmp_path / "broken.toml"
    pack.write_text("[grades]\nA = 40\nB = 45\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--rules", str(pack), "story", "load", str(STORY), "--db", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 1 and "B (45) must be below A (40)" in result.output
    with Store(tmp_path / "s.db") as store:
        assert store.count_requisitions() == 0 and store.list_disputes() == [] and store.list_people() == []
