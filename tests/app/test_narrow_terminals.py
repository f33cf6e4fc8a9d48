"""Every screen usable at 80×24 (issue 18, problem 3): the key columns show, the rest scroll sideways,
dialogs wrap their text, the footer keeps Help, Quit and the screen's main key; at 120 columns no name
is cut."""

from __future__ import annotations

import pytest

from tests.app.dialogs import DIALOGS, begin_standup, open_dialog
from tests.app.screen_text import screen_lines, screen_text
from tests.pilot import press_settled, settle

SMALL = (80, 24)
WIDE = (120, 40)


def header_line(lines: list[str], first_label: str) -> str:
    return next(line for line in lines if line.strip().startswith(first_label))


async def test_at_80_columns_the_queue_shows_promise_submittals_and_disputes_and_scrolls_to_the_rest(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        header = header_line(screen_lines(demo_app), "Code")
        for label in ("Title", "Status", "Grade", "Promise", "Subs", "Disp"):
            assert label in header
        assert "Client" not in header and header.rstrip().endswith("▶")  # more to the right, and it says so

        await pilot.press("right")
        header = header_line(screen_lines(demo_app), "Code")
        assert "◀" in header and "Sales" in header and "Title" not in header
        await pilot.press("right", "right", "right", "right", "right")
        header = header_line(screen_lines(demo_app), "Code")
        assert "Recruiter" in header and "Open" in header and "▶" not in header
        assert "Disp" in header  # the code and the counts stay while the names come into view

        await pilot.press("left", "left", "left", "left", "left", "left", "left")
        header = header_line(screen_lines(demo_app), "Code")
        assert "Title" in header and "◀" not in header


async def test_at_120_columns_no_persons_name_is_cut_in_the_queue(demo_app):
    names = [p.name for p in demo_app.store.list_people()]
    async with demo_app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        text = screen_text(demo_app)
        header = header_line(screen_lines(demo_app), "Code")
        assert "Sales" in header and "Recruiter" in header and "Disp" in header
        shown = [name for name in names if name in text]
        assert shown, "the queue shows the people's names"
        for line in screen_lines(demo_app):
            for word in line.split("  "):
                word = word.strip()
                if word.endswith("…"):
                    assert not any(name.startswith(word[:-1]) for name in names), f"{word!r} cuts a name"


@pytest.mark.parametrize(
    ("key", "main_key"),
    [("1", "New"), ("2", "accept"), ("3", "kept"), ("4", "sort"), ("5", "start")],
)
async def test_at_80_columns_every_footer_keeps_help_quit_and_the_screens_main_key(demo_app, key, main_key):
    async with demo_app.run_test(size=SMALL) as pilot:
        await press_settled(pilot, key)
        footer = screen_lines(demo_app)[-1]
        assert "? Help" in footer and "q Quit" in footer
        assert main_key in footer


async def test_at_80_columns_the_standup_footer_keeps_end_the_meeting(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("5", "s")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        footer = screen_lines(demo_app)[-1]
        assert "E end" in footer and "? Help" in footer and "q Quit" in footer


async def test_at_80_columns_the_disputes_table_shows_each_disputes_status(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await press_settled(pilot, "2")
        lines = screen_lines(demo_app)
        assert "Status" in header_line(lines, "Code")
        assert any("mediating" in line for line in lines)


async def test_at_80_columns_the_expectations_show_their_verdict(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await press_settled(pilot, "3")
        lines = screen_lines(demo_app)
        assert "Verdict" in header_line(lines, "Expectation ")
        assert any("✖ missed" in line or "▲ at risk" in line or "● met" in line for line in lines)


async def test_at_80_columns_the_accept_window_shows_each_commitment_whole(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await press_settled(pilot, "2", "a")
        dialog = demo_app.screen
        text = " ".join(" ".join(line.split()) for line in screen_lines(demo_app))
        line = dialog.query_one("#text-0").value
        assert len(line) > 30
        # Wrapped over as many lines as it needs, every word of it on screen.
        for word in line.split():
            assert word in text
        assert "enter save" in text and "esc cancel" in text


async def test_at_80_columns_the_dispute_window_shows_every_category_whole_on_its_line(demo_app):
    from mediation_console.db.models import CATEGORY_LABELS

    async with demo_app.run_test(size=SMALL) as pilot:
        await begin_standup(pilot)
        await pilot.press("d")  # a dispute on the item on screen, as in a live meeting
        await settle(pilot)
        lines = screen_lines(demo_app)
        picker = [line for line in lines if any(f" {label}" in line for label in CATEGORY_LABELS.values())]
        for label in CATEGORY_LABELS.values():
            assert any(label in line for line in picker), f"{label!r} is cut or wrapped: {picker}"
        # Read as a menu in three columns: the four rows begin with the first column's keys.
        assert len(picker) == 4, picker


async def test_at_80_columns_help_in_a_standup_opens_on_the_standups_keys_one_line_each(demo_app):
    from mediation_console.screens.dialogs.help import HelpScreen

    async with demo_app.run_test(size=SMALL) as pilot:
        await begin_standup(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(demo_app.screen, HelpScreen)
        lines = screen_lines(demo_app)
        titles = [line.strip(" │") for line in lines if "(this screen)" in line or "Everywhere" in line]
        assert titles and titles[0].startswith("Standup (this screen)"), titles
        # Without scrolling, the meeting's own keys: the next item, skipping a section, a note, a commitment.
        text = "\n".join(lines)
        for words in ("next item · Mark this item done", "skip the section ·", "note · Take notes", "commitment ·"):
            assert words in text, words


@pytest.mark.parametrize("kind", ["submittal", "placement"])
async def test_at_80x24_the_event_window_shows_every_field_and_save(demo_app, kind):
    from textual.widgets import Select

    async with demo_app.run_test(size=SMALL) as pilot:
        await press_settled(pilot, "x")
        assert demo_app.focused is not None and demo_app.focused.id == "kind"  # the first field, not its frame
        if kind == "placement":
            demo_app.screen.query_one("#kind", Select).value = kind
            await settle(pilot)
        text = "\n".join(screen_lines(demo_app))
        labels = ["What happened", "When", "Who", "Note"]
        labels += (
            ["Candidate came from", "Originated by", "Filled by", "Originator's split %"] if kind == "placement" else []
        )
        for label in labels:
            assert label in text, label
        assert "Save [enter]" in text and "Cancel [esc]" in text


async def test_at_80x24_the_standups_commitment_window_shows_its_buttons_whole(demo_app):
    from mediation_console.screens.dialogs.commitment_form import CommitmentForm

    async with demo_app.run_test(size=SMALL) as pilot:
        await begin_standup(pilot)
        await pilot.press("c")
        await settle(pilot)
        form = demo_app.screen
        assert isinstance(form, CommitmentForm)
        box = form.query_one(".commitment-box")
        for button in ("#save", "#cancel"):
            region = form.query_one(button).region
            # Inside the box's border, all three lines of the button on screen.
            assert region.height == 3 and region.bottom <= box.region.bottom - 1, (button, region, box.region)
        assert box.region.bottom <= SMALL[1], box.region
        text = "\n".join(screen_lines(demo_app))
        for label in ("Owner (one person)", "What is promised", "Due (YYYY-MM-DD)", "Save [enter]", "Cancel [esc]"):
            assert label in text, label


async def test_at_80x24_the_standup_footer_keeps_the_meetings_keys_commit_and_dispute_among_them(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await begin_standup(pilot)
        footer = screen_lines(demo_app)[-1]
        for key in ("space next", "n note", "D decision", "c commit", "d dispute", "E end", "? Help", "q Quit"):
            assert key in footer, (key, footer)
        # What gave way is a key away: each "+N more" line says how to add it, ? lists skipping a section.
        assert "+ adds" in screen_text(demo_app)
        await pilot.press("question_mark")
        await settle(pilot)
        assert "skip the section ·" in screen_text(demo_app)


async def test_at_80x24_the_dispute_windows_swap_hint_names_who_raised_it_whole(demo_app):
    from mediation_console.screens.dialogs.dispute_capture import DisputeCapture

    async with demo_app.run_test(size=SMALL) as pilot:
        await begin_standup(pilot)
        await pilot.press("space", "space")  # the third item, REQ-0025: its recruiter is put in "Raised by"
        await press_settled(pilot, "d")
        dialog = demo_app.screen
        assert isinstance(dialog, DisputeCapture) and dialog.raised_by is not None
        raiser = demo_app.store.get_person(dialog.raised_by).name
        lines = screen_lines(demo_app)
        assert any(f"x swaps sides ({raiser} raised it)" in line for line in lines), [
            line for line in lines if "swaps" in line or "raised" in line
        ]
        assert any("press its letter (n not sure) · 1–3 severity" in line for line in lines)


async def test_at_80x24_the_commitment_window_gives_an_error_a_row_only_when_there_is_one(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await begin_standup(pilot)
        await pilot.press("c")
        await settle(pilot)

        def rows() -> dict[str, int]:
            lines = [line.strip("│ ") for line in screen_lines(demo_app)]
            return {
                label: lines.index(label) for label in ("Owner (one person)", "What is promised", "Due (YYYY-MM-DD)")
            }

        before = rows()
        # Each field: its label, its one line, one blank line, the next label.
        assert before["What is promised"] - before["Owner (one person)"] == 3, before
        assert before["Due (YYYY-MM-DD)"] - before["What is promised"] == 3, before

        await pilot.press("tab", "tab")  # to the due date
        await pilot.press("ctrl+u", *"2026-13-01")
        await settle(pilot)
        lines = [line.strip("│ ") for line in screen_lines(demo_app)]
        due = lines.index("Due (YYYY-MM-DD)")
        assert lines[due + 1] == "2026-13-01" and lines[due + 2] == "Enter the due date as YYYY-MM-DD", lines[due:]

        await pilot.press("ctrl+u", *"2026-11-30")
        await settle(pilot)
        assert "Enter the due date" not in screen_text(demo_app)
        assert rows() == before


async def test_at_80x24_the_starts_toasts_do_not_cover_a_dialog_opened_just_after(demo_app):
    from mediation_console.screens.dialogs.dispute_capture import DisputeCapture

    # Toasts drawn, as in a terminal, and kept up for the test however loaded the machine (5 s by default).
    demo_app.NOTIFICATION_TIMEOUT = 120
    async with demo_app.run_test(size=SMALL, notifications=True) as pilot:
        await begin_standup(pilot)
        assert "Standup started" in screen_text(demo_app)  # the toast, on the meeting
        demo_app.notify("The copy is 3 minutes behind", title="Replication", severity="warning")
        await pilot.pause()
        await pilot.press("d")  # within the toasts' 5 seconds, as a lead logs a dispute raised at once
        await settle(pilot)
        assert isinstance(demo_app.screen, DisputeCapture)
        text = screen_text(demo_app)
        assert "Standup started" not in text and "Starting the standup" not in text
        # The window's last lines, its Also-in-it field and its keys on its border, are not under a toast.
        assert "Also in it" in text and "enter save · esc cancel" in text
        # A warning is not passing news: it stays until it times out.
        assert "The copy is 3 minutes behind" in text


@pytest.mark.parametrize("dialog", list(DIALOGS))
async def test_at_80x24_every_dialog_fits_the_screen_with_its_buttons_whole(demo_app, dialog):
    from textual.screen import ModalScreen
    from textual.widgets import Button

    async with demo_app.run_test(size=SMALL) as pilot:
        await open_dialog(pilot, dialog)
        modal = demo_app.screen
        assert isinstance(modal, ModalScreen), (dialog, modal)
        box = next(child for child in modal.children if child.display and not child.has_class("-textual-system"))
        screen = modal.region
        assert screen.contains_region(box.region), (dialog, box.region)
        for button in modal.query(Button):
            # All three lines of the button inside the box's border and padding.
            assert button.region.height == 3, (dialog, button.id, button.region)
            assert box.content_region.contains_region(button.region), (dialog, button.id, button.region, box.region)


async def test_at_80x24_the_agenda_keeps_every_line_of_its_items_after_a_commitment(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await begin_standup(pilot)
        await pilot.press("n", *"The client asked for two more roles like this", "escape")
        await settle(pilot)
        await pilot.press("space")  # the note is saved as the meeting moves on: the first item gets its ✎
        await settle(pilot)

        def agenda() -> list[str]:
            return [line[:36] for line in screen_lines(demo_app)[1:23]]

        before = agenda()
        assert any("✎" in line for line in before), before
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"Send the feedback summary", "enter")  # saved: the agenda is drawn again
        await settle(pilot)
        assert agenda() == before


async def test_at_80x24_every_items_heading_says_where_the_meeting_is_whole(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await begin_standup(pilot)
        total = 10  # the demo's agenda, as its title says
        assert f"Agenda · {total} items" in screen_text(demo_app)
        for at in range(1, total + 1):
            text = " ".join(screen_text(demo_app).split())  # as read, across a wrapped line
            assert f"item {at} of {total}" in text, (at, screen_lines(demo_app)[:8])
            await pilot.press("space")
            await settle(pilot)


async def test_at_80x24_the_dispute_window_leaves_room_for_its_messages(demo_app):
    from mediation_console.screens.dialogs.dispute_capture import DisputeCapture

    async with demo_app.run_test(size=SMALL) as pilot:
        await begin_standup(pilot)
        await pilot.press("space", "space")  # REQ-0025: the requisition and both people filled in
        await press_settled(pilot, "d")
        dialog = demo_app.screen
        assert isinstance(dialog, DisputeCapture)
        box = dialog.query_one("#capture")
        # One line per person (a long name and team is cut with …, not wrapped onto a second row), no empty
        # row for a suggestion not made yet, the keys on the border: 17 rows of the 24 (22 before).
        assert box.region.height <= 17, box.region
        await pilot.press("p", "enter")  # a category, no summary: saving says what is missing
        await settle(pilot)
        text = screen_text(demo_app)
        assert "Write a one-line summary" in text and "enter save · esc cancel" in text
        assert dialog.region.contains_region(box.region), box.region


async def test_at_80x24_the_meeting_length_picker_shows_its_whole_title(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await open_dialog(pilot, "meeting_length")
        assert "Meeting length (each item gets its share)" in screen_text(demo_app)
        assert "15 min" in screen_text(demo_app)
