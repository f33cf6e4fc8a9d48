"""A viewer seat (the database opened read-only) looks up their own commitments and their own track record."""

from __future__ import annotations

from textual.widgets import Static

from mediation_console.db.models import Person, Team
from mediation_console.db.store import Store
from mediation_console.screens.dialogs.modals import PersonPickerModal
from mediation_console.screens.expectations import ExpectationsScreen
from mediation_console.screens.track_record import TrackRecordScreen
from tests.app.test_expectations import NOW, SIZE, app_for, seed_expectations, settle
from tests.pilot import open_screen, press_to


def _viewer(tmp_path) -> tuple[Store, dict[str, int], bytes]:
    path = tmp_path / "mediation.db"
    with Store(path, now=lambda: NOW) as lead:
        ids = seed_expectations(lead)
        # A team big enough that scrolling to yourself is not the way: the picker narrows by name.
        for n in range(150):
            lead.add_person(Person(name=f"Recruiter {n:03d}", team=Team.RECRUITING))
    return Store(path, readonly=True, now=lambda: NOW), ids, path.read_bytes()


async def test_a_viewer_lists_only_their_own_open_commitments_and_everyones_again(tmp_path):
    viewer, ids, before = _viewer(tmp_path)
    app = app_for(viewer)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, "3", ExpectationsScreen)
            assert {c.id for c in screen.commitments} == {ids["overdue"], ids["today"], ids["later"]}

            picker = await press_to(pilot, "p", PersonPickerModal)
            await pilot.press(*"rita")
            await pilot.pause()
            assert [label for label, _ in picker.shown] == ["Rita Recruiter · recruiting"]
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen
            assert [c.id for c in screen.commitments] == [ids["today"]]
            title = str(screen.query_one("#commitments-title", Static).render())
            assert "Rita Recruiter's" in title and "1 open" in title
            assert screen.commitments_table.row_count == 1

            # Sam has two, one of them overdue; the count of overdue ones is his too.
            await pilot.press("p", *"sam se", "enter")
            await settle(pilot)
            assert [c.id for c in screen.commitments] == [ids["overdue"], ids["later"]]
            title = str(screen.query_one("#commitments-title", Static).render())
            assert "Sam Seller's" in title and "2 open" in title and "1 overdue" in title

            # Someone with none is told so; "everyone's" (the first choice) lists them all again.
            await pilot.press("p", *"recruiter 007", "enter")
            await settle(pilot)
            assert screen.commitments == []
            assert "Recruiter 007 has no open commitments" in str(
                screen.query_one("#commitments-empty", Static).render()
            )
            await pilot.press("p")
            await pilot.pause()
            assert app.screen.shown[0] == ("everyone's", -1)
            await pilot.press(*"everyone", "enter")
            await settle(pilot)
            assert len(screen.commitments) == 3
            assert not any(n.severity == "error" for n in app._notifications)
    finally:
        viewer.close()
    assert (tmp_path / "mediation.db").read_bytes() == before


async def test_a_viewer_finds_their_own_track_record_by_name(tmp_path):
    viewer, _ids, before = _viewer(tmp_path)
    app = app_for(viewer)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, "4", TrackRecordScreen)
            assert screen.people_table.total == 152
            await pilot.press("p", *"sam", "enter")
            await settle(pilot)
            assert screen.people_table.current_row.subject == "Sam Seller"
            summary = str(screen.query_one("#record-summary", Static).render())
            assert summary.startswith("Sam Seller (") and "0 kept · 0 missed · 2 open · 1 overdue" in summary
            # Far down the list: the cursor goes there and the row is in view.
            await pilot.press("p", *"recruiter 149", "enter")
            await settle(pilot)
            people = screen.people_table
            assert people.current_row.subject == "Recruiter 149"
            top = people.scroll_offset.y
            assert top <= people.cursor < top + people.body_height
            assert not any(n.severity == "error" for n in app._notifications)
    finally:
        viewer.close()
    assert (tmp_path / "mediation.db").read_bytes() == before


async def test_a_viewers_footer_lists_no_key_that_would_change_something_and_the_leads_does(tmp_path):
    from textual.widgets._footer import FooterKey

    from mediation_console.console.app import MODES
    from mediation_console.screens.commands import write_actions

    viewer, _ids, _before = _viewer(tmp_path)
    lead = Store(tmp_path / "mediation.db", now=lambda: NOW)
    writes = write_actions()
    shown: dict[str, dict[str, set[str]]] = {"viewer": {}, "lead": {}}
    try:
        for seat, store in (("viewer", viewer), ("lead", lead)):
            app = app_for(store)
            async with app.run_test(size=(160, 40)) as pilot:
                for mode in MODES:
                    app.switch_mode(mode.name)
                    await settle(pilot)
                    await pilot.pause(0.2)
                    shown[seat][mode.name] = {key.action for key in app.screen.query(FooterKey)}
                    assert shown[seat][mode.name], (seat, mode.name)  # a footer with its keys
    finally:
        viewer.close()
        lead.close()
    for mode, actions in shown["viewer"].items():
        assert not actions & writes, (mode, actions & writes)
    # The lead's footer shows write keys on the screens that have them: the filter is not what hides them.
    assert any(actions & writes for actions in shown["lead"].values()), shown["lead"]
