"""The Textual app shell: one mode per screen (keys 1–6), global keys, the command palette, theme and read-only guard."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import importlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import ScreenStackError
from textual.await_complete import AwaitComplete
from textual.binding import BindingType
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.theme import Theme
from textual.worker import get_current_worker

from mediation_console.console.core.config import load_settings, save_setting, settings_path, user_themes_dir
from mediation_console.console.core.crash_log import record_crash
from mediation_console.console.core.replication import Replicator
from mediation_console.console.core.services import Services
from mediation_console.db.damage import ScanPacer, ScanStopped
from mediation_console.db.store import Store, StoreError
from mediation_console.db.text import inert, inert_line
from mediation_console.screens.base import READONLY_MESSAGE, TEAM_KEY, ModeScreen
from mediation_console.screens.commands import Command, CommandsProvider, bindings, register
from mediation_console.screens.dialogs.damaged_rows import DamagedRows
from mediation_console.screens.dialogs.dispute_capture import DisputeCapture
from mediation_console.screens.dialogs.help import HelpScreen
from mediation_console.screens.dialogs.import_modal import start_import
from mediation_console.screens.disputes import DisputesScreen
from mediation_console.screens.expectations import ExpectationsScreen
from mediation_console.screens.keymap import check_keymap
from mediation_console.screens.messages import DataChanged, ShowInQueue
from mediation_console.screens.queue import QueueScreen
from mediation_console.screens.standup import StandupScreen, copy_notes_markdown, export_notes_file
from mediation_console.screens.team import TeamScreen
from mediation_console.screens.textual_compat import (
    CrashQuietApp,
    ReturnsDrawnAtOnceApp,
    add_line_filter,
    dismiss_toasts,
)
from mediation_console.screens.track_record import TrackRecordScreen
from mediation_console.screens.user_themes import load_theme_files
from mediation_console.screens.widgets.inert_lines import InertLines

if TYPE_CHECKING:
    from mediation_console.console.core.rules.service import Mediator


def _terminal_fd() -> int | None:
    """The file descriptor of the terminal the console reads its keys from, if it reads them from one."""
    stream = sys.__stdin__
    try:
        fd = stream.fileno() if stream is not None else -1
    except (OSError, ValueError):
        return None
    return fd if fd >= 0 and os.isatty(fd) else None


@dataclass(frozen=True)
class Mode:
    """A screen reachable by a number key. Register one only when its screen is real."""

    key: str
    name: str
    title: str
    screen: Callable[[Services], Screen[Any]]


# The modes, in key order. Adding a screen is one line here, e.g.
#   Mode("2", "disputes", "Disputes", DisputesScreen),
MODES: list[Mode] = [
    Mode("1", "queue", "Requisition queue", QueueScreen),
    Mode("2", "disputes", "Disputes", DisputesScreen),
    Mode("3", "expectations", "Expectations", ExpectationsScreen),
    Mode("4", "track_record", "Track record", TrackRecordScreen),
    Mode("5", "standup", "Standup", StandupScreen),
    Mode(TEAM_KEY, "team", "Team", TeamScreen),
]

APP_COMMANDS = register(
    *[
        Command(
            f"app.mode.{mode.name}",
            mode.key,
            "app",
            f"go to {mode.title.lower()}",
            f"Switch to the {mode.title.lower()} (mode {mode.key})",
            f"switch_mode('{mode.name}')",
        )
        for mode in MODES
    ],
    Command(
        "app.log_dispute",
        "d",
        "app",
        "log a dispute",
        "Capture a dispute in a few keys, prefilled from the requisition selected in the queue",
        "log_dispute",
        footer="Dispute",
        writes=True,
    ),
    Command(
        "app.damaged",
        "ctrl+d",
        "app",
        "list damaged rows",
        "Each damaged row the console left out: its code, the field and the problem, as `mediate doctor` lists them",
        "show_damaged",
        footer="Damaged",
        key_display="ctrl+d",
    ),
    Command(
        "app.help", "question_mark", "app", "keys", "Every key on every screen", "help", footer="Help", key_display="?"
    ),
    Command(
        "app.export_notes",
        "ctrl+e",
        "app",
        "export meeting notes",
        "Write the Markdown notes of the running or latest standup to a file",
        "export_notes",
        key_display="ctrl+e",
    ),
    Command(
        "app.palette",
        "ctrl+p",
        "app",
        "command palette",
        "Find any action by name",
        "command_palette",
        key_display="ctrl+p",
    ),
    Command(
        "app.theme",
        "ctrl+t",
        "app",
        "change theme",
        "Pick a colour theme; the choice is remembered",
        "change_theme",
        key_display="ctrl+t",
    ),
    Command("app.quit", "q", "app", "quit", "Leave the console (everything is already saved)", "quit", footer="Quit"),
)


# Bringing data in from the lead's ATS: offered on every screen.
IMPORT_COMMANDS = register(
    Command(
        "import.requisitions",
        "i",
        "import",
        "requisitions from CSV",
        "Bring requisitions in from an ATS or spreadsheet CSV export (all rows or none), with a report",
        "import_requisitions",
        writes=True,
    ),
)


# How often the console asks SQLite whether another connection wrote to the file (PRAGMA data_version:
# a counter read from memory, microseconds): what another console or a CLI import saved shows within this.
OUTSIDE_WRITES_EVERY = 1.0
# `mediate`'s own process: how often, and after how long without a key, what a first visit to a screen
# loaded is frozen out of the garbage collector's full passes (see _freeze_what_first_visits_loaded).
FREEZE_CHECK_EVERY = 0.1
FREEZE_WHEN_IDLE_FOR = 0.15
# The damaged-row scan (a background read, ~1 s of a core at 100,000 requisitions) gives way between two of
# its statements while the lead pressed a key less than this long ago or a visit works figures out.
SCAN_GIVES_WAY_AFTER_INPUT = 0.5
# `mediate`'s own process: how long a thread holds Python's lock while another waits for it (see on_mount).
GIL_TURN_SECONDS = 0.0002
# `mediate`'s own process: how often it checks that its terminal is still there (see _leave_with_the_terminal).
TERMINAL_CHECK_EVERY = 1.0
# How often the header's replication line is brought up to date (`mediate replicate --with-console`).
REPLICATION_SHOWN_EVERY = 2.0


class MediationApp(ReturnsDrawnAtOnceApp[None], CrashQuietApp[None]):
    """Mediation Console. `store` is the open database; `now` the clock (tests inject a fixed one)."""

    TITLE = "Mediation Console"
    CSS_PATH = "app.tcss"
    COMMANDS: ClassVar = {CommandsProvider}
    BINDINGS: ClassVar[list[BindingType]] = bindings([*APP_COMMANDS, *IMPORT_COMMANDS])

    def __init__(
        self,
        store: Store,
        rules_path: str | Path | None = None,
        now: Callable[[], dt.datetime] | None = None,
        replication: Replicator | None = None,
        *,
        owns_process: bool = False,
        prefetch: bool | None = None,
    ) -> None:
        super().__init__()
        # `mediate` runs the console as its whole process: then, once the rules are warm, what is loaded is
        # frozen out of the garbage collector's full passes (a process-wide choice, never made for a
        # caller that embeds the app, such as the tests).
        self.owns_process = owns_process
        # Whether the figures of the track record and the expectations are worked out once start-up is over
        # (see _warm_up_rules): by default for `mediate`'s own process only, so the tests choose.
        self.prefetch = owns_process if prefetch is None else prefetch
        self._last_input = time.monotonic()  # the start counts as input: the prefetch waits a moment after it
        # Litestream copying the file beside the console: its state shows in the header.
        self.replication = replication
        self._replication_problem: str | None = None
        self._replication_line = ""  # what the header says about the copy, after the screen's name
        self._replication_stopped = False
        # Every line any widget draws shows control characters from stored text instead of sending
        # them (db.text.inert's rule, the same as the exports'). Textual keeps its line filters here.
        add_line_filter(self, InertLines())
        self.store = store
        # The damaged-row scan (db.damage.scan) in a worker: when it may run, see _scan_for_damage.
        self._damage_pacer = ScanPacer()
        self.rules_path = Path(rules_path) if rules_path else None
        self._now = now or store.now
        # What every screen is handed and works through: the store, the clock, the requisition selected in
        # the queue, and one Mediator (with --rules) for grades, scorecards and proposals.
        self.services = Services(store, self._now, self.rules_path, on_problem=self._rules_not_loaded)
        if self.owns_process:
            # Background work gives way to the lead (see SCAN_GIVES_WAY_AFTER_INPUT); not in the tests'
            # consoles, which wait for every worker after their keys.
            services = self.services
            store.damage_scan.give_way = lambda: (
                self.idle_for() < SCAN_GIVES_WAY_AFTER_INPUT or services.making_figures()
            )
        # Set when the console must close with a message (e.g. an invalid rule pack); cli prints it.
        self.exit_problem: str | None = None
        # An unexpected problem that stopped the console, and where its details were written.
        self.crash: tuple[BaseException, Path | None] | None = None
        for mode in MODES:
            self.add_mode(mode.name, partial(mode.screen, self.services))
        # The settings' keymap as applied (command id -> keys); the help screen and palette show these.
        self.user_keymap: dict[str, str] = {}

    def now(self) -> dt.datetime:
        return self._now()

    @property
    def selected_requisition_id(self) -> int | None:
        """The requisition highlighted in the queue (kept in the services every screen shares)."""
        return self.services.selected_requisition_id

    @selected_requisition_id.setter
    def selected_requisition_id(self, requisition_id: int | None) -> None:
        self.services.selected_requisition_id = requisition_id

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification (most quote a record: a code, a name, a store's refusal) shows stored
        text inert, whichever screen raised it."""
        super().notify(inert(message), title=inert_line(title), severity=severity, timeout=timeout, markup=markup)

    def _toasts_give_way(self, screen: Screen[Any]) -> None:
        """A dialog opens: the passing news shown when it opened (information toasts, such as the standup's
        "Standup started") is taken down, so it does not cover the dialog's lower half and its buttons at
        80x24; warnings and errors stay until they time out or are clicked away."""
        if isinstance(screen, ModalScreen):
            dismiss_toasts(self, ("information",))

    def unexpected_exception(self, error: Exception) -> None:
        """An unexpected problem stops the console as Textual would, but its traceback (which can quote
        record data) goes to a private log file instead of the terminal; the CLI prints one line."""
        self.crash = (error, record_crash(error, "The console stopped:"))

    def on_mount(self) -> None:
        settings = load_settings()
        self.apply_user_keymap(settings.get("keymap"))
        self.load_user_themes()
        theme = settings.get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.screen_change_signal.subscribe(self, self._toasts_give_way)
        if self.rules_path is not None and self.mediator is None and self.exit_problem:
            self.exit()
            return
        self.switch_mode(MODES[0].name)
        self.call_after_refresh(self._warm_up_rules)
        self.call_after_refresh(self._scan_for_damage)
        self._outside_version = self.store.outside_version()
        self.set_interval(OUTSIDE_WRITES_EVERY, self._notice_outside_writes)
        if self.owns_process:
            # Python hands its lock to a waiting thread every 5 ms by default: a worker that reads SQLite (which
            # lets go of the lock at every statement and row) then waits 5 ms for it each time the start-up
            # work (the rules' import, pure Python) holds it: every expectation measured beside that import took
            # 627 ms instead of 255 (100,000 requisitions, in-process), and the import no longer for it.
            sys.setswitchinterval(GIL_TURN_SECONDS)
            self._screens_loaded: set[int] = set()
            self._screens_frozen = 0
            self._freeze_timer = self.set_interval(FREEZE_CHECK_EVERY, self._freeze_what_first_visits_loaded)
            self._terminal = _terminal_fd()
            if self._terminal is not None:
                self.set_interval(TERMINAL_CHECK_EVERY, self._leave_with_the_terminal)
        if self.replication is not None:
            self._show_replication()
            self.set_interval(REPLICATION_SHOWN_EVERY, self._show_replication)

    def _leave_with_the_terminal(self) -> None:
        """The console stops once the terminal it runs in is gone (its window closed, the ssh connection
        dropped). The kernel tells only the terminal's first process: when `mediate` was started by another
        program (`make demo`, a shell script) that program is told, and it waits for `mediate`, whose input
        then reads nothing, at once, forever: it would spin a core until killed. Its writes are saved as
        they are made, so there is nothing to lose."""
        if self._terminal is not None and not os.isatty(self._terminal):
            self._terminal = None
            self.exit()

    def apply_user_keymap(self, raw: Any) -> None:
        """Rebinds commands by id from the settings' `keymap` (Textual's set_keymap); each entry that
        cannot be applied is left out and named in one warning, and the console starts as usual."""
        check = check_keymap(raw)
        self.user_keymap = check.keymap
        palette = check.keymap.get("app.palette")
        # Textual's footer finds the palette's key by this name; a rebound palette key is shown there too.
        # (an instance value over the ClassVar: this console's palette key, read by Footer and ModeFooter)
        self.COMMAND_PALETTE_BINDING = palette.split(",")[0] if palette else type(self).COMMAND_PALETTE_BINDING  # type: ignore[misc]
        self.set_keymap(check.keymap)
        if check.problems:
            self.notify(
                "\n".join([f"Settings {settings_path()}:", *check.problems]),
                title="Keys not changed",
                severity="warning",
                timeout=20,
                markup=False,  # the entries quote what the settings file says
            )

    def load_user_themes(self) -> None:
        """Registers the theme files in the config folder (ctrl+t offers them); a file that is not a theme
        is named with what is wrong in one warning, and the console starts as usual."""
        found = load_theme_files(user_themes_dir())
        for theme in found.themes:
            self.register_theme(theme)
        if found.problems:
            self.notify(
                "\n".join(found.problems), title="Theme not loaded", severity="warning", timeout=20, markup=False
            )

    def _show_replication(self) -> None:
        """The header says where the copy goes and when it last caught up; once Litestream has stopped,
        when and why (it died, its exit code, its last error line) instead. A new problem (the replica
        cannot be reached, Litestream stopped) is also a toast, once."""
        replication = self.replication
        if replication is None:
            return
        line = replication.summary(where=False)
        stopped = replication.state.stopped
        changed = line != self._replication_line
        self._replication_line, self._replication_stopped = line, stopped
        if changed:
            # Every screen's header watches the app's sub-title: setting it redraws them with the line.
            self.sub_title = line
        problem = "stopped" if stopped else replication.state.problem
        if problem and problem != self._replication_problem:
            self.notify(
                replication.summary(),
                title="Replication stopped" if stopped else "Replication",
                severity="error" if stopped else "warning",
                timeout=30 if stopped else 10,
            )
        self._replication_problem = problem

    def format_title(self, title: str, sub_title: str) -> Content:
        """The screen's name, then (beside `mediate replicate --with-console`) the copy's state."""
        content = super().format_title(title, sub_title)
        line = self._replication_line
        if not line or line == sub_title:
            return content
        return Content.assemble(
            content, (" · ", "dim"), (line, "bold reverse") if self._replication_stopped else (line, "dim")
        )

    def _scan_for_damage(self) -> None:
        """Finds, in a worker, the damaged rows SQL can see (db.damage): every screen's notice names
        them at once, even rows no screen has read yet (a bogus status hides a row from the open queue)."""

        # One at a time, on a tenth of a core at most (db.damage.ScanPacer): a write noticed meanwhile
        # makes one scan owed, started by _notice_outside_writes once due.
        if not self._damage_pacer.request():
            return

        def scan() -> None:
            started = time.monotonic()
            try:
                with contextlib.suppress(StoreError, ScanStopped):
                    self.store.scan_for_damage(in_background=True)
            finally:
                # Its share of a core counts the time it read, not the time it gave way to the lead.
                self._damage_pacer.done(time.monotonic() - started - self.store.damage_scan.waited)

        self.run_worker(scan, thread=True, group="damage-scan", exit_on_error=False)

    def on_unmount(self) -> None:
        # The worker's scan (a minute at 1,000,000 requisitions) would keep the process from ending:
        # Python waits for worker threads once the app has stopped. Stopped, it ends at once.
        self.store.damage_scan.stop()

    def _freeze_what_first_visits_loaded(self) -> None:
        """A first visit to a screen builds what lives as long as the console (its widgets, its data); left
        in the collector's view, the next full pass walks all of it (20-30 ms at 100,000 requisitions, seen
        landing on the first return to the queue). Once the visited screen's workers are done and no key
        has come for a moment, it is frozen as the start-up's was. Only mode screens, with nothing on top:
        a dialog frozen would never be collected once closed."""
        try:
            screen = self.screen
        except ScreenStackError:  # the console is closing: its screens are already off the stack
            return
        if not isinstance(screen, ModeScreen):
            return
        self._screens_loaded.add(id(screen))
        if len(self._screens_loaded) == self._screens_frozen or self.idle_for() < FREEZE_WHEN_IDLE_FOR:
            return
        if any(not worker.is_finished for worker in self.workers if worker.group != "warm-up"):
            return
        gc.freeze()
        self._screens_frozen = len(self._screens_loaded)
        if self._screens_frozen == len(MODES):  # every screen has had its first visit: nothing left to freeze
            self._freeze_timer.stop()

    def _notice_outside_writes(self) -> None:
        """Another console or a CLI import committed to the file: the screen on show reloads what it
        shows (a form open on top keeps what the user typed); hidden screens reload on their return."""
        try:
            version = self.store.outside_version()
        except Exception:  # a closing store or a locked file: the next tick asks again
            return
        if self._damage_pacer.due():
            self._scan_for_damage()
        if version == self._outside_version:
            return
        self._outside_version = version
        self._scan_for_damage()  # another tool may have written (or mended) a damaged row
        for screen in self.screen_stack:
            screen.post_message(DataChanged())

    def _warm_up_rules(self) -> None:
        # The rules module costs ~0.4 s to import (rule-engine builds its parser), the pack ~0.2 s to
        # compile and the team's fills ~40 ms to read (at 100,000 requisitions): done in a thread once the
        # queue shows, so the first detail panel or proposal pays for none of it.
        services, owns_process = self.services, self.owns_process
        # Then the figures a first visit to the track record or the expectations waits for (~0.8 s at
        # 100,000 requisitions, mostly SQLite's, which runs beside the interface): only for the console
        # as its own process, and not for a read-only viewer seat (ten of them start together, and their
        # screens follow the lead's standup).
        prefetch = self.prefetch and not self.store.readonly
        loop = asyncio.get_running_loop()

        def load() -> None:
            # The business calendar first (its country's holidays module, ~70 ms): a visit to the expectations
            # soon after the start needs it, and then finds it loaded instead of waiting on the rules' import.
            services.calendar()
            mediator = services.mediator
            if mediator is not None:
                mediator.warm_up()
            # The detail panel (its module imported when first asked for, to keep it off the start path),
            # mounted now, so the first enter on a row neither imports it nor mounts it.
            importlib.import_module("mediation_console.screens.dialogs.requisition_detail")
            services.store.people_by_id()  # the names it shows: the index of 25,000 people takes ~7 ms
            # Not call_from_thread: it waits for the loop, which may stop before running it. Posted as the
            # app's own message (call_later), so it runs in the app's context, as a key's handler does.
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.call_later, self._prepare_detail_panel)
            if owns_process:
                # What is loaded now (Textual, the screens, the rules) lives as long as the console: kept
                # out of the collector's full passes, which otherwise walk it all (~70 ms at 100,000
                # requisitions, landing on a key now and then: the black-box bench's slowest returns).
                gc.freeze()
            if prefetch:
                worker = get_current_worker()
                services.prefetch(
                    # The data stamp as the main connection sees it, asked on the UI thread.
                    lambda: self.call_from_thread(services.stamp),
                    idle_for=self.idle_for,
                    stop=lambda: worker.is_cancelled,
                )

        self.run_worker(load, thread=True, group="warm-up", exit_on_error=False)

    def _prepare_detail_panel(self) -> None:
        from mediation_console.screens.dialogs.requisition_detail import prepare_requisition_detail

        if self.is_running:
            prepare_requisition_detail(self)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(
            event, events.Key | events.MouseDown | events.MouseScrollDown | events.MouseScrollUp | events.Paste
        ):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def idle_for(self) -> float:
        """Seconds since the lead last pressed a key or clicked (any thread may ask)."""
        return time.monotonic() - self._last_input

    def _remember_theme(self, theme: Theme) -> None:
        save_setting("theme", theme.name)

    # -- shared services for the screens ---------------------------------------------------------

    def can_write(self) -> bool:
        """False, with a toast, when the database is read-only. Every write action asks first."""
        if self.store.readonly:
            self.notify(READONLY_MESSAGE, title="Not saved", severity="warning")
            return False
        return True

    @property
    def mediator(self) -> Mediator | None:
        """The console's one rules Mediator (the lead's --rules pack included), loaded on first use."""
        return self.services.mediator

    def _rules_not_loaded(self, problem: str) -> None:
        # An invalid rule pack: say which and what, never a traceback (with --rules the console closes).
        self.exit_problem = problem
        self.notify(problem, title="Rules", severity="error", timeout=10)

    def on_show_in_queue(self, message: ShowInQueue) -> None:
        self.show_in_queue(message.requisition_id)

    def show_in_queue(self, requisition_id: int) -> None:
        """Switches to the queue with the requisition selected and scrolled into view (the queue clears
        the filters that would hide it). Other screens' "go to the queue" keys use this."""
        self.selected_requisition_id = requisition_id
        self.switch_mode(MODES[0].name)
        self.call_after_refresh(self._select_in_queue, requisition_id)

    def _select_in_queue(self, requisition_id: int) -> None:
        if isinstance(self.screen, QueueScreen):
            self.screen.show_requisition(requisition_id)

    # -- global actions --------------------------------------------------------------------------

    def pop_screen(self) -> AwaitComplete:
        # Textual 8.2's command palette (ctrl+p, and the theme picker) can close itself twice when
        # keys arrive faster than it lays out; the second close would pop the mode's only screen and
        # crash the console. Closing what is already closed is nothing to fail a meeting over.
        if len(self.screen_stack) <= 1:

            async def already_closed() -> None:
                return None

            return AwaitComplete(already_closed()).call_next(self)
        return super().pop_screen()

    async def action_switch_mode(self, mode: str) -> None:
        # A number typed while a dialog or the palette is open belongs to it: switching modes under
        # it would strand the dialog on the other mode's stack.
        if isinstance(self.screen, ModalScreen):
            return
        await super().action_switch_mode(mode)

    def action_log_dispute(self) -> None:
        if not self.can_write() or isinstance(self.screen, DisputeCapture):
            return

        def logged(dispute: Any) -> None:
            # The screen underneath shows dispute counts or lists; let it catch up.
            if dispute is not None:
                self.screen.post_message(DataChanged())

        self.push_screen(
            DisputeCapture(
                self.store, requisition_id=self.selected_requisition_id, suggest=self.services.suggest_category
            ),
            logged,
        )

    def action_export_notes(self) -> None:
        export_notes_file(self, self.services)

    def action_import_requisitions(self) -> None:
        start_import(self, self.services)

    def action_copy_notes(self) -> None:
        copy_notes_markdown(self, self.services)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_damaged":
            # Offered (footer, palette) only while there are damaged rows to list.
            return len(self.store.damage) > 0
        return True

    def action_show_damaged(self) -> None:
        if isinstance(self.screen, DamagedRows) or not len(self.store.damage):
            return
        self.push_screen(DamagedRows(self.store.damage))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(getattr(self.screen, "COMMAND_AREA", None)))
