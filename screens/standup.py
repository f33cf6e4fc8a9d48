"""Mode 5, Standup: walk the generated agenda with a timebox, take notes and decisions, record commitments."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from mediation_console.console.core.agenda import (
    DEFAULT_MEETING_MINUTES,
    MAX_MEETING_MINUTES,
    MIN_MEETING_MINUTES,
    SECTION_LABELS,
    Agenda,
    FittedAgenda,
    build_agenda,
    expand_more,
    fit_to_meeting,
    is_more,
    next_section_start,
    next_talk_item,
    talk_items,
    talk_position,
    top_proposal,
)
from mediation_console.console.core.commitment_writes import make_commitment
from mediation_console.console.core.config import data_dir, ensure_private_dir, load_settings, save_setting
from mediation_console.console.core.meeting import (
    end_standup,
    move_to_item,
    save_typed,
    set_meeting_length,
    start_standup,
)
from mediation_console.console.core.notes import default_filename, gather_notes, reached, render, write_private
from mediation_console.console.core.services import Services
from mediation_console.console.core.waiting_writes import MustWait, Waiting, write_when_free
from mediation_console.db.models import Commitment, Person, Standup, StandupItem
from mediation_console.db.safe_file import UnsafeTarget, unique_path
from mediation_console.db.store import StoreError
from mediation_console.db.words import plural
from mediation_console.screens.base import TEAM_KEY, ModeScreen
from mediation_console.screens.commands import Command, bindings, register
from mediation_console.screens.dialogs.modals import ConfirmModal, PickerModal
from mediation_console.screens.dialogs.standup_commitment import StandupCommitment
from mediation_console.screens.dialogs.standup_start import StandupPlan, StandupStart

# Typing is saved this long after the last key, so a fast typist costs one write, not one per key.
R = TypeVar("R")

SAVE_DELAY = 0.6
MEETING_CHOICES = (5, 10, 15, 20, 30, 45, 60)
# The settings key that remembers the lead's meeting length for the next standup.
MEETING_SETTING = "meeting_minutes"


def remembered_meeting_minutes() -> float:
    """The meeting length the lead chose last time, else the default (15 minutes)."""
    value = load_settings().get(MEETING_SETTING)
    if isinstance(value, (int, float)) and MIN_MEETING_MINUTES <= value <= MAX_MEETING_MINUTES:
        return float(value)
    return float(DEFAULT_MEETING_MINUTES)


# How often a viewer's standup looks for the lead's move (SQLite's data_version: one cheap pragma).
FOLLOW_POLL = 0.2

COMMANDS = register(
    Command(
        "standup.start",
        "s",
        "standup",
        "start a standup",
        "Pick who is here and start walking the agenda built from the data now",
        "start",
        footer="start",
        writes=True,
    ),
    Command(
        "standup.next",
        "space",
        "standup",
        "next item",
        "Mark this item done and move to the next one (passing a section's +N more line)",
        "next_item",
        footer="next",
        key_display="space",
    ),
    # Many terminals send shift+space as a plain space, so `p` goes back too.
    Command(
        "standup.previous",
        "shift+space,p",
        "standup",
        "previous item",
        "Go back one agenda item",
        "previous_item",
        key_display="shift+space / p",
    ),
    Command(
        "standup.skip_section",
        "S",
        "standup",
        "skip the section",
        "Leave the rest of this section undiscussed and go to the first item of the next one",
        "skip_section",
        footer="skip",
    ),
    Command(
        "standup.expand",
        "plus",
        "standup",
        "add the +N more items",
        "Put the items this section left off (\u201c+N more\u201d) into the meeting",
        "expand",
        footer="more",
        key_display="+",
        writes=True,
    ),
    Command(
        "standup.note",
        "n",
        "standup",
        "note",
        "Take notes on this item (saved as you type)",
        "focus_notes",
        footer="note",
        writes=True,
    ),
    Command(
        "standup.decision",
        "D",
        "standup",
        "decision",
        "Record what was decided on this item",
        "focus_decision",
        footer="decision",
        writes=True,
    ),
    Command(
        "standup.commitment",
        "c",
        "standup",
        "commitment",
        "Record a commitment: one owner, what is promised, a due date",
        "commitment",
        footer="commit",
        writes=True,
    ),
    Command(
        "standup.dispute",
        "d",
        "standup",
        "log a dispute on this item",
        "Log a dispute prefilled with this item's requisition",
        "log_dispute",
        footer="dispute",
        writes=True,
    ),
    Command(
        "standup.open",
        "o",
        "standup",
        "open the requisition",
        "Show this item's requisition in full (esc comes back)",
        "open_requisition",
        footer="open",
    ),
    Command(
        "standup.queue",
        "g",
        "standup",
        "go to the requisition in the queue",
        "Switch to the queue with this item's requisition selected (5 comes back)",
        "go_to_queue",
    ),
    Command(
        "standup.blockers",
        "b",
        "standup",
        "blockers",
        "Note blockers for the whole meeting",
        "focus_blockers",
        writes=True,
    ),
    Command(
        "standup.timebox",
        "t",
        "standup",
        "change the meeting length",
        "How long the meeting is; each agenda item gets its share",
        "timebox",
        writes=True,
    ),
    Command(
        "standup.follow",
        "f",
        "standup",
        "follow the lead",
        "Viewer seats: show the item the lead is on again, and keep following it",
        "follow",
        footer="follow",
    ),
    Command(
        "standup.end",
        "E",
        "standup",
        "end the meeting",
        "End the standup (asks first) and export its notes",
        "end",
        footer="end",
        writes=True,
    ),
    Command(
        "standup.back",
        "escape",
        "standup",
        "back to the agenda",
        "Leave the text field; keys work again",
        "leave_field",
    ),
)


def clock_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _tick_clock(clock: Static, text: str) -> None:
    """A clock's new text, laid out again only when its length changes (the meeting clock is as wide as
    its text). A layout on every second's tick re-laid the whole standup screen and sent every seat a
    redraw of it: a console idle on a running standup spent ~3x the CPU and ~10x the bytes (ten viewer
    seats of `mediate serve` tick beside the lead's keystrokes on one machine)."""
    old = clock.content
    if text == old:
        return
    clock.update(text, layout=not isinstance(old, str) or len(old) != len(text))


def export_dir() -> Path:
    """Where the app writes notes: $MEDIATE_EXPORT_DIR, else a `notes` folder in the user data directory."""
    override = os.environ.get("MEDIATE_EXPORT_DIR")
    path = Path(override).expanduser() if override else data_dir() / "notes"
    ensure_private_dir(path)
    return path


def _proposals(services: Services) -> Any:
    mediator = services.mediator
    if mediator is None:
        return None
    return lambda dispute: list(mediator.proposals_for(dispute.id))


def _fallbacks(services: Services) -> Any:
    mediator = services.mediator
    if mediator is None:
        return None
    return lambda dispute, category: mediator.costed_fallback(dispute, category)


def send_to_browser(app: App[Any], text: str, filename: str) -> None:
    """Offers `text` to the browser of a `mediate serve` seat as a file download named `filename`: a
    viewer's seat never writes to the lead's disk, and a remote lead gets the file where they are."""
    app.deliver_text(io.StringIO(text), save_filename=filename, open_method="download")


def export_notes_file(
    app: App[Any], services: Services, fmt: str = "md", standup: Standup | None = None
) -> Path | None:
    """Writes the notes of the given (else the running, else the latest) standup; toasts the path."""
    store = services.store
    standup = standup or store.running_standup() or store.latest_standup()
    if standup is None:
        app.notify("There is no standup yet: start one in the standup screen (5)", title="No notes", severity="warning")
        return None
    try:
        data = gather_notes(store, standup, proposals=_proposals(services), fallbacks=_fallbacks(services))
        if app.is_web:  # a seat of `mediate serve`: the file goes to the browser, not the server's disk
            name = default_filename(data, fmt)
            send_to_browser(app, str(render(data, fmt)), name)
            app.notify(
                f"{name}, sent to your browser as a download",
                title=f"Notes of {data.date:%a %d %b} exported",
                timeout=8,
            )
            return None
        target = unique_path(export_dir() / default_filename(data, fmt))
        path = write_private(target, render(data, fmt), protect=[store.path])
    except (OSError, StoreError, UnsafeTarget) as exc:
        app.notify(f"The notes could not be written: {exc}", title="Not exported", severity="error")
        return None
    app.notify(str(path), title=f"Notes of {data.date:%a %d %b} exported", timeout=8)
    return path


def copy_notes_markdown(app: App[Any], services: Services) -> bool:
    store = services.store
    standup = store.running_standup() or store.latest_standup()
    if standup is None:
        app.notify(
            "There is no standup yet: start one in the standup screen (5)", title="Nothing copied", severity="warning"
        )
        return False
    data = gather_notes(store, standup, proposals=_proposals(services), fallbacks=_fallbacks(services))
    text = str(render(data, "md"))
    # The copy travels as an OSC 52 escape, which many terminals (macOS Terminal, tmux without
    # set-clipboard, some SSH and browser sessions) drop without a word, and a terminal cannot be asked
    # whether it took it. So the notes also go to a file, and the toast says where.
    app.copy_to_clipboard(text)
    if app.is_web:  # a seat of `mediate serve`: the browser gets the copy as a download, not the server's disk
        name = default_filename(data, "md")
        send_to_browser(app, text, name)
        app.notify(
            f"If the copy does not paste, the notes are in your browser's downloads ({name})",
            title="Notes copied as Markdown",
            timeout=10,
        )
        return True
    try:
        path = write_private(unique_path(export_dir() / default_filename(data, "md")), text, protect=[store.path])
    except (OSError, UnsafeTarget) as exc:
        app.notify(
            f"Sent to the clipboard, but the file copy failed ({exc}); if nothing pastes, export with ctrl+e",
            title="Notes copied as Markdown",
            severity="warning",
        )
        return True
    app.notify(
        f"If your terminal does not pass copies to the clipboard, they are in {path}",
        title="Notes copied as Markdown",
        timeout=10,
    )
    return True


register(
    Command(
        "app.copy_notes",
        "",
        "app",
        "copy meeting notes as Markdown",
        "Copy the notes of the running or latest standup to the clipboard",
        "copy_notes",
        key_display="palette",
    ),
)


# Below this terminal width the item and meeting clocks take a line each.
NARROW_CLOCKS = 120


class StandupScreen(ModeScreen):
    """Before the meeting: how to start one. During it: the agenda, the current item, its clocks and notes."""

    COMMAND_AREA: ClassVar[str] = "standup"
    # The meeting's keys stay in the footer at 80 columns (next, a note, a decision, a commitment, a dispute,
    # the end); skipping a section and adding the +N more items give way first (? help lists them, and each
    # "+N more" line says "+ adds").
    KEY_ACTIONS = ("start", "next_item", "focus_notes", "focus_decision", "commitment", "log_dispute", "end")
    SUB_TITLE = "Standup"
    BINDINGS: ClassVar[list[BindingType]] = bindings(COMMANDS)

    DEFAULT_CSS = """
    StandupScreen #standup-idle { height: 1fr; align: center middle; background: $surface; background-tint: $foreground 2%; hatch: right $surface-lighten-1; }
    StandupScreen #idle-text { width: 72; height: auto; padding: 1 2; border: round $primary-muted; background: $surface; }
    StandupScreen #standup-running { height: 1fr; }
    /* The scrollbar's column is kept even while the agenda fits: Textual measures each option's lines when
       the agenda is filled again (before the scrollbar comes back), and an item that wraps onto one line
       more at the narrower width lost that line (its requisition, its ✎). */
    StandupScreen #agenda {
        width: 2fr; min-width: 36; height: 1fr; border: round $primary-muted; border-title-style: bold;
        scrollbar-gutter: stable;
    }
    StandupScreen #agenda:focus { border: round $primary; }
    StandupScreen #agenda > .option-list--option { padding: 0 1; }
    StandupScreen #item-pane { width: 3fr; height: 1fr; padding: 0 1; }
    StandupScreen #clocks { height: 1; }
    StandupScreen #item-clock { width: 1fr; text-style: bold; }
    StandupScreen #meeting-clock { width: auto; color: $text-muted; }
    StandupScreen.-narrow #clocks { layout: vertical; height: 2; }
    StandupScreen.-narrow #item-clock, StandupScreen.-narrow #meeting-clock { width: 1fr; }
    StandupScreen .-over { color: $warning; }
    StandupScreen .-way-over { color: $error; text-style: bold; }
    StandupScreen #item-section { color: $accent; text-style: bold; height: auto; margin: 1 0 0 0; }
    StandupScreen #item-title { text-style: bold; height: auto; }
    StandupScreen #item-detail { color: $text-muted; height: auto; }
    StandupScreen #item-links { color: $text-muted; height: auto; }
    StandupScreen .field-label { color: $text-muted; margin: 1 0 0 0; height: 1; }
    StandupScreen #notes { height: 1fr; min-height: 4; }
    StandupScreen #decision, StandupScreen #blockers { width: 1fr; }
    StandupScreen #made { height: auto; max-height: 8; color: $text; }
    """

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.standup: Standup | None = None
        self.people: Mapping[int, Person] = {}
        self.codes: dict[tuple[str, int], str] = {}
        self._item_started: dt.datetime | None = None
        self._save_timer: Timer | None = None
        self._pending: dict[str, str] = {}
        self._loading = False
        self._starting = False
        self._stamp: tuple[Any, ...] | None = None
        # The current item's heading: its section, and where the meeting is (see _show_heading).
        self._heading: tuple[str, str] | None = None
        # A read-only (viewer) seat follows the lead's current item until it steps out to browse.
        self.following = False
        self._lead_item: int | None = None
        self._lead_version: tuple[int, int] | None = None

    @property
    def viewer(self) -> bool:
        return self.services.store.readonly

    @property
    def running(self) -> bool:
        return self.standup is not None and self.standup.ended_at is None

    @property
    def item(self) -> StandupItem | None:
        if self.standup is None or not self.standup.items:
            return None
        return self.standup.items[min(self.standup.current_item, len(self.standup.items) - 1)]

    # -- layout ------------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Vertical(id="standup-idle"):
            yield Static("", id="idle-text")
        with Horizontal(id="standup-running"):
            yield OptionList(id="agenda")
            with Vertical(id="item-pane"):
                with Horizontal(id="clocks"):
                    yield Static("", id="item-clock")
                    yield Static("", id="meeting-clock")
                yield Static("", id="item-section")
                yield Static("", id="item-title")
                yield Static("", id="item-detail")
                yield Static("", id="item-links")
                yield Label("Notes (n)", classes="field-label")
                yield TextArea(id="notes", soft_wrap=True, show_line_numbers=False)
                yield Label("Decision (D)", classes="field-label")
                yield Input(placeholder="what was decided, in one sentence", id="decision")
                yield Label("Action items of this meeting (c)", classes="field-label")
                with VerticalScroll(id="made"):
                    yield Static("", id="made-list")
                yield Label("Blockers (b)", classes="field-label")
                yield Input(placeholder="anything stopping the team", id="blockers")

    def on_mount(self) -> None:
        self.following = self.viewer
        self.people = self.services.store.people_by_id()
        self.standup = self.services.store.running_standup()
        if self.standup is not None:
            self._item_started = self.services.now()
            self._lead_item = self.standup.current_item
        self._show()
        self._stamp = self.data_stamp()
        self.set_interval(1, self._tick)
        if self.viewer:
            self._lead_version = self.services.store.data_version()
            self.set_interval(FOLLOW_POLL, self._poll_lead)

    def on_screen_resume(self) -> None:
        # Another screen may have changed people or requisitions; the meeting itself lives in the store.
        # When nothing was written since this screen last showed (and on the first visit, which on_mount
        # just drew), what it shows still holds; the clocks tick on their own.
        stamp = self.data_stamp()
        if stamp == self._stamp:
            return
        self._reload()

    def refresh_data(self) -> None:
        """Another process wrote (another console, a CLI import): a standup started elsewhere shows here
        at once, and the idle page's last standup is read again. The lead's own running meeting keeps what
        is being typed (it is written as typed); a viewer follows the lead through `_poll_lead`."""
        if self.running:
            self.people = self.services.store.people_by_id()
            return
        self._reload()

    def _reload(self) -> None:
        self._stamp = self.data_stamp()
        self.people = self.services.store.people_by_id()
        if not self.running:  # none here, or one that has ended: one may have started elsewhere
            running = self.services.store.running_standup()
            if running is not None:
                self.standup = running
                self._item_started = self.services.now()
                self._lead_item = running.current_item
        self._show()

    def on_screen_suspend(self) -> None:
        self._flush()

    def on_unmount(self) -> None:
        self._flush(closing=True)

    # -- showing -------------------------------------------------------------------------------------

    def _show(self) -> None:
        running = self.running
        self.refresh_bindings()
        self.query_one("#standup-idle").display = not running
        self.query_one("#standup-running").display = running
        if not running:
            self._show_idle()
            return
        self._load_codes()
        self._fill_agenda()
        self._show_item()
        self.query_one("#agenda", OptionList).focus()

    def _show_idle(self) -> None:
        store = self.services.store
        latest = store.latest_standup(ended_only=True)
        lines = [Text("No standup running.", style="bold"), Text("")]
        lines.append(
            Text.assemble(
                "Press ",
                ("s", "bold"),
                " to start one: tick who is here, then walk the agenda built from the data as it is now.",
            )
        )
        if latest is not None and latest.ended_at is not None:
            minutes = round((latest.ended_at - latest.started_at).total_seconds() / 60)
            made = len(store.list_commitments(standup_id=latest.id))
            lines += [
                Text(""),
                Text(
                    f"Last standup: {latest.started_at:%a %d %b %H:%M}, {minutes} min, "
                    f"{plural(talk_items(latest.items), 'item')}, {plural(made, 'commitment')}."
                ),
            ]
            lines.append(Text.assemble("Press ", ("ctrl+e", "bold"), " to export its notes."))
        self.query_one("#idle-text", Static).update(Text("\n").join(lines))

    def _load_codes(self) -> None:
        assert self.standup is not None
        store = self.services.store
        reqs = store.requisitions_by_ids([i.requisition_id for i in self.standup.items if i.requisition_id])
        disputes = store.disputes_by_ids([i.dispute_id for i in self.standup.items if i.dispute_id])
        self.codes = {("r", r.saved_id): r.code or "" for r in reqs.values()}
        self.codes.update({("d", d.saved_id): d.code or "" for d in disputes.values()})

    def _option(self, index: int, item: StandupItem) -> Option:
        assert self.standup is not None
        current = index == self.standup.current_item
        mark = "▶ " if current else ("✓ " if item.done else "  ")
        text = Text(mark, style="bold" if current else "dim")
        if is_more(item):
            text.append(item.title, style="bold italic" if current else "italic")
            text.append("  + adds", style="dim")
            return Option(text, id=f"item-{index}")
        text.append(item.title, style="bold" if current else ("dim" if item.done else ""))
        if item.notes.strip() or item.decision.strip():
            text.append(" ✎", style="dim")
        return Option(text, id=f"item-{index}")

    def _fill_agenda(self) -> None:
        assert self.standup is not None
        agenda = self.query_one("#agenda", OptionList)
        options: list[Option] = []
        section = None
        for index, item in enumerate(self.standup.items):
            if item.section != section:
                section = item.section
                label = SECTION_LABELS.get(section, section.replace("_", " ").capitalize())
                options.append(Option(Text(label, style="bold underline"), id=f"section-{index}", disabled=True))
            options.append(self._option(index, item))
        agenda.clear_options()
        agenda.add_options(options)
        agenda.border_title = f"Agenda · {plural(talk_items(self.standup.items), 'item')}"
        self._highlight_current()

    def _highlight_current(self) -> None:
        assert self.standup is not None
        agenda = self.query_one("#agenda", OptionList)
        try:
            agenda.highlighted = agenda.get_option_index(f"item-{self.standup.current_item}")
        except Exception:  # an empty agenda has nothing to highlight
            return

    def _refresh_option(self, index: int) -> None:
        assert self.standup is not None
        try:
            agenda = self.query_one("#agenda", OptionList)
        except NoMatches:  # the screen is closing; the store already has the change
            return
        agenda.replace_option_prompt(f"item-{index}", self._option(index, self.standup.items[index]).prompt)

    def _show_item(self) -> None:
        item = self.item
        assert self.standup is not None
        self._loading = True
        try:
            if item is None:
                self._heading = None
                self.query_one("#item-section", Static).update("An empty agenda")
                self.query_one("#item-title", Static).update("Nothing needs the team's attention right now.")
                self.query_one("#item-detail", Static).update("Note blockers, then end the meeting with E.")
                self.query_one("#item-links", Static).update("")
                self.query_one("#notes", TextArea).load_text("")
                self.query_one("#decision", Input).value = ""
            else:
                # Counted as the agenda's title counts: the "+N more" lines are not items of the meeting.
                at = talk_position(self.standup.items, self.standup.current_item)
                total = talk_items(self.standup.items)
                position = f"item {at} of {total}" if at is not None else f"left off ({total} items in the meeting)"
                label = SECTION_LABELS.get(item.section, item.section)
                seat = ""
                if self.viewer:
                    seat = " · following the lead" if self.following else " · browsing (f follows the lead)"
                self._heading = (label, f"{position}{seat}")
                self._show_heading()
                self.query_one("#item-title", Static).update(Text(item.title))
                self.query_one("#item-detail", Static).update(Text(item.detail))
                links = []
                if item.requisition_id and ("r", item.requisition_id) in self.codes:
                    links.append(f"{self.codes[('r', item.requisition_id)]} (o open · g queue)")
                if item.dispute_id and ("d", item.dispute_id) in self.codes:
                    links.append(self.codes[("d", item.dispute_id)])
                whose = self.people.get(item.person_id) if item.person_id is not None else None
                if whose is not None:
                    links.append(f"whose: {whose.name}")
                self.query_one("#item-links", Static).update(Text(" · ".join(links)))
                self.query_one("#notes", TextArea).load_text(item.notes)
                self.query_one("#decision", Input).value = item.decision
            self.query_one("#blockers", Input).value = self.standup.blockers
        finally:
            self.call_later(self._loaded)
        self._show_made()
        self._tick()

    def _loaded(self) -> None:
        self._loading = False

    def _show_made(self) -> None:
        assert self.standup is not None
        made = self.services.store.list_commitments(standup_id=self.standup.id)
        text = Text()
        for c in made:
            owner = self.people[c.owner_id].name if c.owner_id in self.people else "?"
            link = self.codes.get(("r", c.requisition_id)) if c.requisition_id else None
            text.append("• ")
            text.append(owner, style="bold")
            text.append(f": {c.text} — due {c.due:%a %d %b}" + (f" ({link})" if link else "") + "\n")
        text.rstrip()
        if not made:
            text.append("None yet. c records one: an owner, what is promised, a due date.", style="dim")
        self.query_one("#made-list", Static).update(text)

    def on_resize(self, event: events.Resize) -> None:
        # Side by side the two clocks need ~70 columns of the item pane: narrower, one above the other,
        # so neither the item's overrun nor the meeting's is cut off.
        self.set_class(event.size.width < NARROW_CLOCKS, "-narrow")
        self.call_after_refresh(self._show_heading)

    def _show_heading(self) -> None:
        """The item's section, then where the meeting is ("item 5 of 10"): on one line when they fit the
        pane, else where the meeting is on a line of its own, whole (wrapped, it read "item 5" / "of 10")."""
        if self._heading is None:
            return
        label, where = self._heading
        heading = self.query_one("#item-section", Static)
        width = heading.content_size.width
        one_line = f"{label} · {where}"
        heading.update(one_line if not width or cell_len(one_line) <= width else f"{label}\n{where}")

    # -- following the lead (viewer seats) ------------------------------------------------------------

    def _poll_lead(self) -> None:
        """Picks up what the lead's seat saved: a started or ended meeting, a move, notes and decisions."""
        store = self.services.store
        version = store.data_version()
        if version == self._lead_version or not self.is_current:
            return
        self._lead_version = version
        fresh = store.running_standup()
        if fresh is None and self.standup is None:
            return
        now = self.services.now()
        if fresh is None or self.standup is None or fresh.id != self.standup.id:
            self.standup = fresh
            self._lead_item = fresh.current_item if fresh else None
            self._item_started = now
            self.following = True
            self._show()
            return
        if fresh.current_item != self._lead_item:
            # The lead moved: the item clock restarts now, within FOLLOW_POLL of the lead's key.
            self._lead_item = fresh.current_item
            self._item_started = now
        if not self.following:
            fresh = fresh.model_copy(update={"current_item": self.standup.current_item})
        self.standup = fresh
        self._fill_agenda()
        self._show_item()

    def action_follow(self) -> None:
        if not self.viewer or not self.running or self.standup is None:
            return
        fresh = self.services.store.running_standup()
        if fresh is not None:
            self.standup = fresh
            if fresh.current_item != self._lead_item:
                self._lead_item = fresh.current_item
                self._item_started = self.services.now()
        self.following = True
        self._show()
        self.notify("Showing the item the lead is on, and following it", title="Following the lead")

    def _browse_to(self, index: int) -> None:
        """A viewer moving through the agenda: only their own view moves; nothing is written."""
        assert self.standup is not None
        old = self.standup.current_item
        if self.following:
            self.notify("Browsing on your own; f follows the lead again", title="Not following")
        self.following = False
        self.standup = self.standup.model_copy(update={"current_item": index})
        self._refresh_option(old)
        self._refresh_option(index)
        self._highlight_current()
        self._show_item()
        self.refresh_bindings()

    def _tick(self) -> None:
        if not self.running or self.standup is None:
            return
        now = self.services.now()
        item = self.item
        spent = (item.seconds_spent if item else 0) + self._running_seconds(now)
        box = self.standup.timebox_seconds
        clock = self.query_one("#item-clock", Static)
        over = spent - box
        label = f"Item {clock_text(spent)} / {clock_text(box)}"
        if over > 0:
            label += f"  +{clock_text(over)} over"
        _tick_clock(clock, label)
        clock.set_class(box < spent <= 2 * box, "-over")
        clock.set_class(spent > 2 * box, "-way-over")
        total = (now - self.standup.started_at).total_seconds()
        budget = box * max(1, talk_items(self.standup.items))
        meeting = self.query_one("#meeting-clock", Static)
        # The overrun in words as well as in red: a shared or narrow screen shows no colour change.
        meeting_over = f"  +{clock_text(total - budget)} over" if total > budget else ""
        _tick_clock(meeting, f"Meeting {clock_text(total)} of ~{clock_text(budget)}{meeting_over}")
        meeting.set_class(total > budget, "-way-over")

    def _running_seconds(self, now: dt.datetime) -> int:
        if self._item_started is None:
            return 0
        if self.viewer and self.standup is not None and self.standup.current_item != self._lead_item:
            return 0  # a viewer browsing another item: its clock is not running
        return max(0, int((now - self._item_started).total_seconds()))

    # -- saving as it is typed ---------------------------------------------------------------------

    @on(TextArea.Changed, "#notes")
    @on(Input.Changed, "#decision")
    @on(Input.Changed, "#blockers")
    def _typed(self, event: TextArea.Changed | Input.Changed) -> None:
        if self._loading or not self.running or self.services.store.readonly:
            return
        # Kept here, not read back from the widgets: on the way out the widgets may already be gone.
        widget = event.text_area if isinstance(event, TextArea.Changed) else event.input
        self._pending[widget.id or ""] = widget.text if isinstance(widget, TextArea) else widget.value
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_DELAY, self._flush)

    def _take_typed(self) -> dict[str, str]:
        """What was typed and not saved yet, taken to be saved (given back with `_give_back` if not)."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        pending, self._pending = self._pending, {}
        return pending

    def _give_back(self, pending: dict[str, str]) -> None:
        self._pending = {**pending, **self._pending}

    def _flush(self, *, closing: bool = False) -> None:
        """Writes what was typed (notes, decision, blockers) in one transaction. While another program
        holds the write lock (an import), what was typed is kept and tried again shortly, the line under
        the header saying so; `closing` (the console quits) waits for the lock instead."""
        if not self._pending or self.standup is None or not self.running:
            return
        if self.write_waiting is not None and not closing:
            return  # a move or an end waits for the lock, and saves what was typed with it
        pending, store, standup = self._take_typed(), self.services.store, self.standup
        try:
            before = self.item
            if closing:  # the screen is being taken down: saved, nothing left to draw
                self.standup = save_typed(store, standup, pending)
                return
            self.standup = write_when_free(store, lambda: save_typed(store, standup, pending))
            if self.item is not before:
                self._refresh_option(self.standup.current_item)
            self.show_waiting(None)
        except MustWait as busy:
            self._give_back(pending)
            self.show_waiting(Waiting(0.0, busy.holder), saving="what you typed")
            self._save_timer = self.set_timer(SAVE_DELAY, self._flush)
        except (StoreError, ValueError) as exc:
            self._give_back(pending)
            self.notify(f"Not saved yet: {exc}", title="Standup", severity="error")

    def _meeting_write(
        self, change: Callable[[Standup], R], done: Callable[[R], object], *, what: str, failed: str
    ) -> None:
        """Saves what was typed and then `change(the standup as stored)`, in one transaction: now, or once
        another program's write lock is free (typing is held meanwhile, so it lands on the item it was
        typed on). `failed` titles the message when it could not be saved; what was typed is kept."""
        if self.standup is None:
            return
        pending, store, standup = self._take_typed(), self.services.store, self.standup

        def write() -> R:
            return change(save_typed(store, standup, pending) if pending else standup)

        def not_saved(exc: Exception) -> None:
            self._give_back(pending)
            self.notify(str(exc), title=failed, severity="error")

        self.write_when_free(write, done, not_saved, what=what)

    def hold_while_waiting(self, holding: bool) -> None:
        for field in self.query("#notes, #decision, #blockers"):
            field.disabled = holding

    # -- moving through the agenda -------------------------------------------------------------------

    def _move_to(self, index: int, *, finish_current: bool) -> None:
        if self.standup is None or not self.standup.items:
            return
        index = max(0, min(index, len(self.standup.items) - 1))
        if self.viewer:
            self._browse_to(index)
            return
        now = self.services.now()
        old, seconds, store = self.standup.current_item, self._running_seconds(now), self.services.store

        def moved(standup: Standup) -> None:
            self.standup = standup
            self._item_started = now
            self._refresh_option(old)
            self._refresh_option(standup.current_item)
            self._highlight_current()
            self._show_item()
            self.refresh_bindings()

        self._meeting_write(
            lambda standup: move_to_item(store, standup, index, seconds, finish=finish_current),
            moved,
            what="the move to the next item",
            failed="Standup",
        )

    def action_next_item(self) -> None:
        # space walks the items the meeting talks about: a section's "+N more" line is passed (+ adds its
        # items from anywhere in the section; enter on it in the agenda still goes to it).
        if not self.running or self.standup is None:
            return
        target = next_talk_item(self.standup.items, self.standup.current_item)
        if target is None:
            self._move_to(self.standup.current_item, finish_current=True)
            self.notify("That was the last item. Note blockers (b), then end the meeting (E).", title="Agenda done")
            return
        self._move_to(target, finish_current=True)

    def action_previous_item(self) -> None:
        if self.running and self.standup is not None:
            target = next_talk_item(self.standup.items, self.standup.current_item, step=-1)
            if target is not None:
                self._move_to(target, finish_current=False)

    @on(OptionList.OptionSelected, "#agenda")
    def _jump(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id.startswith("item-") and self.standup is not None:
            index = int(option_id.removeprefix("item-"))
            if index != self.standup.current_item:
                self._move_to(index, finish_current=False)

    # -- which commands apply ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides a key from the footer: before the meeting only "start" applies, during it the rest.
        if action == "start":
            return not self.running
        if action in ("open_requisition", "go_to_queue"):
            item = self.item if self.running else None
            return item is not None and item.requisition_id is not None
        if action in (
            "next_item",
            "previous_item",
            "focus_notes",
            "focus_decision",
            "commitment",
            "log_dispute",
            "focus_blockers",
            "timebox",
            "end",
        ):
            return self.running
        if action == "skip_section":
            return (
                self.running
                and self.standup is not None
                and next_section_start(self.standup.items, self.standup.current_item) is not None
            )
        if action == "expand":
            return self.running and self._more_line() is not None
        if action == "follow":
            return self.viewer and self.running
        if action == "leave_field":
            return self.running and isinstance(self.focused, (TextArea, Input))
        return True

    # -- actions -------------------------------------------------------------------------------------

    def action_start(self) -> None:
        if self.running or self._starting or not self.can_write():
            return
        people = self.services.store.list_people(active_only=True)
        if not people:
            self.notify(
                f"Add the team first: a standup needs people. Press {TEAM_KEY} for the Team screen, then n to add a person",
                title="No one to meet",
                severity="warning",
                timeout=8,
            )
            return

        def chosen(plan: StandupPlan | None) -> None:
            if plan is not None:
                self._starting = True
                self.notify("Building the agenda from the data…", title="Starting the standup")
                self._build_and_start(plan)

        self.app.push_screen(StandupStart(people, meeting_minutes=remembered_meeting_minutes()), chosen)

    @work(thread=True, exclusive=True, group="standup-agenda")
    def _build_and_start(self, plan: StandupPlan) -> None:
        services = self.services
        mediator = services.mediator
        top = top_proposal(mediator) if mediator is not None else None
        try:
            agenda = fit_to_meeting(
                build_agenda(services.store, services.now(), proposals=top, kept_tallies=services.kept_tallies()),
                plan.meeting_minutes,
            )
        except Exception as exc:  # a broken metric or rule must not leave the lead without a meeting
            self.app.call_from_thread(
                self.notify, f"The agenda could not be built: {exc}", title="Standup", severity="error"
            )
            self._starting = False
            return
        self.app.call_from_thread(self._begin, plan, agenda)

    def _begin(self, plan: StandupPlan, agenda: FittedAgenda) -> None:
        self._starting = False
        save_setting(MEETING_SETTING, plan.meeting_minutes)
        store = self.services.store
        planned = Standup(
            started_at=self.services.now(),
            facilitator_id=plan.facilitator_id,
            attendees=plan.attendees,
            timebox_seconds=agenda.item_seconds,
            items=agenda.agenda.to_standup_items(),
        )
        self.write_when_free(  # one started meanwhile (another window) is resumed
            lambda: start_standup(store, planned),
            lambda started: self._started(plan, started),
            lambda exc: self.notify(str(exc), title="Standup not started", severity="error"),
            what="the start of the meeting",
        )

    def _started(self, plan: StandupPlan, started: Standup) -> None:
        self.standup = started
        self._item_started = self.services.now()
        present = sum(1 for a in plan.attendees if a.present)
        talked = talk_items(started.items)
        planned = clock_text(started.timebox_seconds * talked)
        if self.app.screen is self:
            # What the agenda's title and the meeting clock say too: not toasted over a dialog the lead
            # opened while the agenda was being built.
            self.notify(f"{plural(talked, 'item')} in ~{planned}, {present} present", title="Standup started")
        self._show()

    def action_focus_notes(self) -> None:
        if self.can_write():
            self.query_one("#notes", TextArea).focus()

    def action_focus_decision(self) -> None:
        if self.can_write():
            self.query_one("#decision", Input).focus()

    def action_focus_blockers(self) -> None:
        if self.can_write():
            self.query_one("#blockers", Input).focus()

    def action_leave_field(self) -> None:
        self._flush()
        self.query_one("#agenda", OptionList).focus()

    @on(Input.Submitted, "#decision")
    @on(Input.Submitted, "#blockers")
    def _field_done(self) -> None:
        self.action_leave_field()

    def action_commitment(self) -> None:
        item = self.item
        if item is None or self.standup is None or not self.can_write():
            return
        self._flush()
        today = self.services.now().date()
        store = self.services.store

        def recorded(stored: Commitment) -> None:
            owner = self.people.get(stored.owner_id)
            self.notify(
                f"{owner.name if owner else 'Owner'}: {stored.text} — due {stored.due:%a %d %b}",
                title="Commitment recorded",
            )
            self._show_made()

        def made(commitment: Commitment | None) -> None:
            if commitment is not None:
                self.write_when_free(
                    lambda: make_commitment(store, commitment),
                    recorded,
                    lambda exc: self.notify(str(exc), title="Commitment not saved", severity="error"),
                    what=f"the commitment “{commitment.text}”",
                )

        self.app.push_screen(
            StandupCommitment(
                item, store.list_people(active_only=True), self.services.calendar().next_business_day(today), today
            ),
            made,
        )

    def action_log_dispute(self) -> None:
        item = self.item
        if item is None or self.standup is None or not self.can_write():
            return
        from mediation_console.screens.dialogs.dispute_capture import DisputeCapture

        def logged(dispute: Any) -> None:
            if dispute is None or self.standup is None:
                return
            index = self.standup.current_item
            # The item now leads to the dispute (the capture linked them in the dispute's transaction),
            # so the notes list it under "disputes discussed".
            if self.standup.items[index].dispute_id is None and capture.at_item is not None:
                self.standup.items[index] = capture.at_item
                self._load_codes()
                self._show_item()

        self._flush()  # what was typed on the item is saved before the capture writes the item's link
        capture = DisputeCapture(
            self.services.store,
            requisition_id=item.requisition_id,
            suggest=self.services.suggest_category,
            at_item=self.standup.items[self.standup.current_item],
        )
        self.app.push_screen(capture, logged)

    def action_open_requisition(self) -> None:
        item = self.item
        if item is None or not item.requisition_id:
            return
        self.show_requisition_detail_of(item.requisition_id)

    def action_go_to_queue(self) -> None:
        item = self.item
        if item is None or not item.requisition_id:
            return
        self._flush()
        self.show_in_queue(item.requisition_id)
        code = self.codes.get(("r", item.requisition_id), "the requisition")
        self.app.notify(f"{code} is selected; press 5 to come back to the standup", title="Queue")

    def action_timebox(self) -> None:
        if self.standup is None or not self.can_write():
            return
        talked = max(1, talk_items(self.standup.items))
        current = round(self.standup.timebox_seconds * talked / 60)
        choices = [(f"{m} min", m) for m in sorted({*MEETING_CHOICES, current})]

        store = self.services.store

        def lengthened(standup: Standup, minutes: int) -> None:
            self.standup = standup
            save_setting(MEETING_SETTING, minutes)
            self.notify(f"{clock_text(standup.timebox_seconds)} an item", title=f"A {minutes}-minute meeting")
            self._tick()

        def chosen(minutes: int | None) -> None:
            if minutes is not None and self.standup is not None:
                self._meeting_write(
                    lambda standup: set_meeting_length(store, standup, minutes),
                    lambda standup: lengthened(standup, minutes),
                    what=f"the {minutes}-minute meeting length",
                    failed="Standup",
                )

        self.app.push_screen(PickerModal("Meeting length (each item gets its share)", choices, current), chosen)

    def _more_line(self) -> int | None:
        """The "+N more" line the + key expands: the current item if it is one, else the highlighted one,
        else the current section's."""
        if self.standup is None or not self.standup.items:
            return None
        items = self.standup.items
        current = min(self.standup.current_item, len(items) - 1)
        if is_more(items[current]):
            return current
        try:
            option = self.query_one("#agenda", OptionList).highlighted_option
        except NoMatches:
            option = None
        option_id = option.id if option is not None and option.id else ""
        if option_id.startswith("item-"):
            highlighted = int(option_id.removeprefix("item-"))
            if 0 <= highlighted < len(items) and is_more(items[highlighted]):
                return highlighted
        section = items[current].section
        return next((i for i, item in enumerate(items) if item.section == section and is_more(item)), None)

    def action_expand(self) -> None:
        position = self._more_line()
        if position is None or self.standup is None or self._starting or not self.can_write():
            return
        self._flush()
        self._starting = True
        self._expand(self.standup.saved_id, position)

    @work(thread=True, exclusive=True, group="standup-agenda")
    def _expand(self, standup_id: int, position: int) -> None:
        # The left-off items are taken from the agenda built again now: they may have changed since the
        # meeting started (a commitment kept, a dispute resolved), and a reopened console has no other copy.
        services = self.services
        mediator = services.mediator
        top = top_proposal(mediator) if mediator is not None else None
        try:
            fresh = build_agenda(services.store, services.now(), proposals=top, kept_tallies=services.kept_tallies())
        except Exception as exc:  # a broken metric or rule must not stop the meeting
            self.app.call_from_thread(
                self.notify, f"The items could not be gathered: {exc}", title="Standup", severity="error"
            )
            self._starting = False
            return
        self.app.call_from_thread(self._expanded, standup_id, position, fresh)

    def _expanded(self, standup_id: int, position: int, fresh: Agenda) -> None:
        self._starting = False
        store = self.services.store
        section = self.standup.items[position].section if self.standup and position < len(self.standup.items) else ""
        self.write_when_free(
            lambda: expand_more(store, standup_id, position, fresh),
            lambda added: self._expanded_by(standup_id, section, added),
            lambda exc: self.notify(str(exc), title="Standup", severity="error"),
            what="the items added to the agenda",
        )

    def _expanded_by(self, standup_id: int, section: str, added: int) -> None:
        self.standup = self.services.store.get_standup(standup_id)
        label = SECTION_LABELS.get(section, section)
        if added and self.standup is not None:
            # Each item keeps its share of the time, so the meeting grows: say by how much.
            longer = clock_text(self.standup.timebox_seconds * talk_items(self.standup.items))
            self.notify(
                f"{plural(added, 'item')} added to {label.lower()}; the meeting is now ~{longer}", title="Agenda"
            )
        else:
            self.notify(f"{label}: nothing more to add; the rest is on its screen", title="Agenda")
        self._load_codes()
        self._fill_agenda()
        self._show_item()
        self.refresh_bindings()

    def action_skip_section(self) -> None:
        if not self.running or self.standup is None:
            return
        target = next_section_start(self.standup.items, self.standup.current_item)
        if target is None:
            self.notify("This is the last section: end the meeting with E", title="Agenda")
            return
        skipped = SECTION_LABELS.get(self.standup.items[self.standup.current_item].section, "")
        # Not marked done: the notes list a skipped item as not reached, the next agenda brings it back.
        self._move_to(target, finish_current=False)
        self.notify(f"Skipped: {skipped.lower()}", title="Agenda")

    def action_end(self) -> None:
        if not self.running or self.standup is None or not self.can_write():
            return
        self._flush()
        # Counted as the notes count them: the item on screen is being discussed, "+N more" lines are no items.
        items, current = self.standup.items, self.standup.current_item
        left = sum(1 for index, i in enumerate(items) if index != current and not is_more(i) and not reached(i))
        question = "End the standup and export its notes?"
        if left:
            question += (
                f"\n{left} of the {plural(talk_items(items), 'agenda item')} {'was' if left == 1 else 'were'}"
                " not reached; the notes list them, and they come back on the next agenda."
            )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.end_meeting()

        self.app.push_screen(ConfirmModal(question, confirm_label="End"), confirmed)

    def end_meeting(self) -> Path | None:
        """Ends the running standup now and writes its Markdown notes; returns the file (None when the
        end waits for another program's write lock: the notes are written once it has ended)."""
        assert self.standup is not None
        store = self.services.store
        now = self.services.now()
        seconds = self._running_seconds(now)
        written: list[Path | None] = []

        def ended(standup: Standup) -> None:
            self.standup = None
            self._item_started = None
            written.append(
                export_notes_file(self.app, self.services, "md", standup=store.get_standup(standup.saved_id))
            )
            self._show()

        self._meeting_write(
            lambda standup: end_standup(store, standup, seconds, now),
            ended,
            what="the end of the meeting",
            failed="Standup not ended",
        )
        return written[0] if written else None
