"""A console opened with `mediate --rules my.toml` grades with that pack everywhere, edits included."""

from __future__ import annotations

from textual.widgets import Input

from mediation_console.console.core.rules.service import Mediator
from mediation_console.screens.dialogs.requisition_form import RequisitionForm
from mediation_console.screens.queue import QueueScreen, RequisitionTable
from tests.pilot import press_to

SIZE = (120, 36)
# Thresholds no ordinary requisition reaches: under this pack nearly everything grades C.
STRICT = "[grades]\nA = 100\nB = 99\n"


async def test_an_edit_in_a_console_opened_with_a_rule_pack_is_regraded_by_that_pack(store, app_factory, tmp_path):
    pack = tmp_path / "strict.toml"
    pack.write_text(STRICT, encoding="utf-8")
    default, strict = Mediator(store), Mediator(store, extra_packs=[pack])
    # A requisition the two packs grade differently: after the edit, its grade shows which one graded it.
    req = next(
        r
        for r in store.iter_requisitions()
        if default.scorecard_for(r.saved_id).grade != strict.scorecard_for(r.saved_id).grade
    )
    expected = strict.scorecard_for(req.saved_id).grade
    app = app_factory(store, rules_path=pack)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(RequisitionTable)
        table.move_to(lambda row: row.id == req.id)
        await pilot.pause()
        form = await press_to(pilot, "e", RequisitionForm)
        form.query_one("#field-title", Input).value = req.title + " (edited)"
        await pilot.pause()
        await press_to(pilot, "ctrl+s", QueueScreen)
        shown = next(table.row_at(i) for i in range(table.total) if table.row_at(i).id == req.id)
        assert shown.grade == expected
    saved = store.get_requisition(req.saved_id)
    assert saved is not None and saved.title.endswith("(edited)")
    assert saved.grade == expected != default.scorecard_for(req.saved_id).grade
