"""The quick-capture modal: log (or edit) a dispute from the keyboard in a few keystrokes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from mediation_console.console.core.dispute_writes import save_dispute
from mediation_console.console.core.meeting import log_dispute_at_item
from mediation_console.db.models import (
    CATEGORY_LABELS,
    Dispute,
    DisputeCategory,
    Requisition,
    StandupItem,
    Team,
    own_changes,
)
from mediation_console.db.store import EditConflict, QueueQuery
from mediation_console.db.words import closest_name
from mediation_console.screens.dialogs.form_keys import FormScreen

if TYPE_CHECKING:
    from mediation_console.console.core.rules.diagnosis import Diagnosis
    from mediation_console.db.store import Store

    # (summary, requisition id, sales interest, recruiting interest) -> the diagnosis, or None without rules.
    Suggest = Callable[[str, int | None, str, str], Diagnosis | None]

# One key per category, chosen from the category's own name so it can be guessed without looking.
CATEGORY_KEYS: dict[str, DisputeCategory] = {
    "p": DisputeCategory.PAY_BELOW_MARKET,
    "i": DisputeCategory.NO_INTAKE,
    "s": DisputeCategory.SLOW_SUBMITTALS,
    "q": DisputeCategory.CANDIDATE_QUALITY,
    "u": DisputeCategory.CLIENT_UNRESPONSIVE,
    "t": DisputeCategory.OVERPROMISED_TIMELINE,
    "c": DisputeCategory.SCOPE_CREEP,
    "r": DisputeCategory.CREDIT_SPLIT,
    "f": DisputeCategory.FEE_CONCESSION,
    "b": DisputeCategory.BLAME_VISIBILITY,
}
KEY_OF_CATEGORY = {category: key for key, category in CATEGORY_KEYS.items()}
NOT_SURE_KEY = "n"
ACCEPT_KEY = "f2"
# How long typing pauses before the suggestion is worked out again (the diagnosis reads the requisition).
SUGGEST_DELAY = 0.2

# Who usually raises each kind of dispute: recruiting complains about what sales promised, sales
# about what recruiting delivers. Used to orient the two people until the lead says otherwise.
RAISED_BY_TEAM: dict[DisputeCategory, Team] = {
    DisputeCategory.PAY_BELOW_MARKET: Team.RECRUITING,
    DisputeCategory.NO_INTAKE: Team.RECRUITING,
    DisputeCategory.SLOW_SUBMITTALS: Team.SALES,
    DisputeCategory.CANDIDATE_QUALITY: Team.SALES,
    DisputeCategory.CLIENT_UNRESPONSIVE: Team.RECRUITING,
    DisputeCategory.OVERPROMISED_TIMELINE: Team.RECRUITING,
    DisputeCategory.SCOPE_CREEP: Team.RECRUITING,
    DisputeCategory.FEE_CONCESSION: Team.RECRUITING,
}

SEVERITY_LABELS = {1: "low", 2: "medium", 3: "high"}
GAP = 3  # between the picker's columns
SUGGESTIONS = 6


def requisition_label(code: str | None, title: str, client: str) -> str:
    return f"{code} · {title} · {client}"


class CategoryPicker(Widget, can_focus=True):
    """The ten categories, each behind one letter, and the severity behind 1–3."""

    DEFAULT_CSS = """
    CategoryPicker { height: auto; padding: 0 1; }
    CategoryPicker:focus { background: $boost; }
    """

    category: reactive[DisputeCategory | None] = reactive(None)
    severity: reactive[int] = reactive(2)

    class Picked(Message):
        """A category was chosen with its key (the form moves on to the summary)."""

        def __init__(self, picker: CategoryPicker, category: DisputeCategory) -> None:
            super().__init__()
            self.picker = picker
            self.category = category

    class SwapAsked(Message):
        pass

    class AcceptAsked(Message):
        """The lead takes the suggested category (`a` on the picker, f2 anywhere in the form)."""

    BINDINGS = [
        *(Binding(key, f"pick('{key}')", CATEGORY_LABELS[c], show=False) for key, c in CATEGORY_KEYS.items()),
        Binding("1", "severity(1)", "low", show=False),
        Binding("2", "severity(2)", "medium", show=False),
        Binding("3", "severity(3)", "high", show=False),
        Binding(NOT_SURE_KEY, "not_sure", "not sure", show=False),
        Binding("a", "accept", "take the suggestion", show=False),
        Binding("x", "swap", "swap sides", show=False),
    ]

    def __init__(self, category: DisputeCategory | None = None, severity: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_reactive(CategoryPicker.category, category)
        self.set_reactive(CategoryPicker.severity, severity)

    def action_pick(self, key: str) -> None:
        self.category = CATEGORY_KEYS[key]
        self.post_message(self.Picked(self, self.category))

    def action_not_sure(self) -> None:
        self.category = DisputeCategory.UNSURE
        self.post_message(self.Picked(self, self.category))

    def action_accept(self) -> None:
        self.post_message(self.AcceptAsked())

    def action_severity(self, level: int) -> None:
        self.severity = level

    def action_swap(self) -> None:
        self.post_message(self.SwapAsked())

    def render(self) -> Text:
        # Columns read downwards like a menu, each as wide as its longest "key label" cell: three where
        # they fit (an 80-column terminal included), else two, else one; a label is never cut or wrapped.
        cells = []
        for key, category in (*CATEGORY_KEYS.items(), (NOT_SURE_KEY, DisputeCategory.UNSURE)):
            chosen = category == self.category
            cells.append(
                Text.assemble(
                    (f" {key} ", "reverse bold" if chosen else "bold"),
                    " ",
                    (CATEGORY_LABELS[category], "bold" if chosen else ""),
                )
            )
        available = self.content_size.width or 90
        for columns in (3, 2, 1):
            rows = (len(cells) + columns - 1) // columns
            widths = [max(c.cell_len for c in cells[i * rows : (i + 1) * rows]) + GAP for i in range(columns)]
            if sum(widths) - GAP <= available:
                break
        lines = []
        for r in range(rows):
            line = Text()
            for c in range(columns):
                index = c * rows + r
                if index < len(cells):
                    cell = cells[index].copy()
                    cell.pad_right(widths[c] - cell.cell_len)
                    line.append_text(cell)
            line.rstrip()
            lines.append(line)
        severity = Text("Severity ", style="dim")
        for level, label in SEVERITY_LABELS.items():
            chosen = level == self.severity
            severity.append(f" {level} ", "reverse bold" if chosen else "bold")
            severity.append(f" {label}  ", "bold" if chosen else "")
        lines.append(severity)
        return Text("\n").join(lines)


# The window's width when the terminal is wide enough (#capture's `width` in the CSS below).
CAPTURE_WIDTH = 96


class DisputeCapture(FormScreen["Dispute | None"]):
    """Logs a new dispute, or edits one when given `dispute`. Dismisses with the stored dispute."""

    # Its own enter saves from the summary and picks the highlighted requisition while suggesting.
    ENTER_SAVES = False

    DEFAULT_CSS = """
    DisputeCapture { align: center middle; }
    DisputeCapture #capture {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
        border-title-style: bold; border-subtitle-color: $text-muted;
    }
    DisputeCapture .row { height: auto; }
    DisputeCapture #summary-row { margin: 1 0 0 0; }
    DisputeCapture .field-label { width: 17; padding: 0 1 0 0; color: $text-muted; }
    DisputeCapture .field { width: 1fr; height: auto; }
    DisputeCapture Input, DisputeCapture Select { width: 1fr; }
    DisputeCapture #people Select { width: 1fr; }
    DisputeCapture #counterpart-label { width: auto; padding: 0 1; color: $text-muted; }
    DisputeCapture #between-teams { width: auto; margin: 0 0 0 1; }
    DisputeCapture #suggestions { height: auto; max-height: 8; display: none; border: none; margin: 0 0 0 17; }
    DisputeCapture #suggestions.-shown { display: block; }
    DisputeCapture .error { color: $error; height: auto; display: none; margin: 0 0 0 17; }
    DisputeCapture .error.-shown { display: block; }
    DisputeCapture #picker-hint { color: $text-muted; margin: 1 0 0 0; width: 100%; height: auto; }
    DisputeCapture #category-suggestion { color: $text-muted; width: 100%; height: auto; padding: 0 1; display: none; }
    DisputeCapture #category-suggestion.-shown { display: block; }
    /* A person's name and team on one line of its box (cut with … rather than wrapped onto a second row). */
    DisputeCapture SelectCurrent Static#label { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    DisputeCapture #category-suggestion.-differs { color: $warning; }
    """

    BINDINGS = [
        Binding("down", "next_field", "next field", show=False),
        Binding("up", "previous_field", "previous field", show=False),
        Binding(ACCEPT_KEY, "accept_suggestion", "take the suggested category", show=False),
    ]

    def __init__(
        self,
        store: Store,
        *,
        requisition_id: int | None = None,
        dispute: Dispute | None = None,
        suggest: Suggest | None = None,
        at_item: StandupItem | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        # Logged during a standup: the agenda item it was raised on, which then leads to it (with it).
        self.at_item = at_item
        # The rules' diagnosis of what is typed so far: a hint the lead may take, never a choice made for them.
        self.suggest = suggest
        self.suggestion: Diagnosis | None = None
        self._suggest_timer: Any = None
        self._suggest_round = 0
        self.editing = dispute
        # The version the edit applies to: the one the form opened on, or after a refused save (someone
        # else saved meanwhile) the one stored then, so saving again re-applies only the lead's own fields.
        self.started_from = dispute
        self.people = store.list_people(active_only=True)
        if dispute is not None:
            # A dispute may name someone who has since left the team; keep them selectable.
            known = {p.id for p in self.people}
            for pid in (dispute.raised_by_id, dispute.counterpart_id):
                person = store.get_person(pid)
                if pid not in known and person is not None:
                    self.people.append(person)
        self.team_of = {p.id: p.team for p in self.people}
        self.requisition: Requisition | None = None
        req_id = dispute.requisition_id if dispute is not None else requisition_id
        if req_id is not None:
            self.requisition = store.get_requisition(req_id)
        self.raised_by: int | None = dispute.raised_by_id if dispute else None
        self.counterpart: int | None = dispute.counterpart_id if dispute else None
        # Once the lead chooses the people themselves, the form stops orienting them by category.
        self.people_chosen = dispute is not None
        self.tried_to_save = False
        if dispute is None and self.requisition is not None:
            self._people_from_requisition(self.requisition, Team.RECRUITING)

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        d = self.editing
        title = f"Edit {d.code}" if d else "Log a dispute"
        options = [(f"{p.name} ({p.team})", p.id) for p in self.people]
        with Vertical(id="capture") as frame:
            frame.border_title = title
            # The keys on the border (as the other forms have them): at 80x24 they took three rows of the window.
            frame.border_subtitle = (
                f"enter save · esc cancel · tab / shift+tab fields · {ACCEPT_KEY} takes the suggestion"
            )
            with Horizontal(classes="row"):
                yield Label("Requisition", classes="field-label")
                yield Input(
                    self._requisition_text(),
                    placeholder="type a code, title or client (optional)",
                    id="requisition",
                    compact=True,
                )
            yield OptionList(id="suggestions")
            yield Label("", id="requisition-error", classes="error")
            with Horizontal(classes="row", id="people"):
                yield Label("Raised by", classes="field-label")
                yield Select(
                    options, value=self.raised_by or Select.NULL, prompt="who raised it", id="raised-by", compact=True
                )
                yield Label("→ counterpart", id="counterpart-label")
                yield Select(
                    options, value=self.counterpart or Select.NULL, prompt="with whom", id="counterpart", compact=True
                )
            yield Label("", id="people-error", classes="error")
            yield Label("", id="picker-hint")
            yield CategoryPicker(d.category if d else None, d.severity if d else 2, id="picker")
            yield Label("", id="category-suggestion")
            yield Label("", id="category-error", classes="error")
            with Horizontal(classes="row", id="summary-row"):
                yield Label("Summary", classes="field-label")
                yield Input(
                    d.summary if d else "",
                    placeholder="one line: what is the disagreement?",
                    id="summary",
                    max_length=500,
                    compact=True,
                )
            yield Label("", id="summary-error", classes="error")
            for side, wants, interest in (
                ("sales", "Sales wants", d.sales_interest if d else ""),
                ("recruiting", "Recruiting wants", d.recruiting_interest if d else ""),
            ):
                with Horizontal(classes="row"):
                    yield Label(wants, classes="field-label")
                    yield Input(
                        interest,
                        placeholder=f"optional: the {side} side's interest",
                        id=f"{side}-interest",
                        max_length=2000,
                        compact=True,
                    )
            with Horizontal(classes="row", id="parties-row"):
                yield Label("Also in it", classes="field-label")
                yield Input(
                    ", ".join(self._name_of(pid) for pid in d.parties) if d else "",
                    placeholder="optional: more people, by name, comma-separated",
                    id="parties",
                    compact=True,
                )
                yield Checkbox("between the teams", value=bool(d and d.between_teams), id="between-teams", compact=True)
            yield Label("", id="parties-error", classes="error")
            yield Label("", id="save-error", classes="error")

    def on_mount(self) -> None:
        self._update_picker_hint()
        if self.editing is not None:
            self._schedule_suggestion()
        if self.editing is not None:
            self.query_one("#summary", Input).focus()
        elif self.requisition is not None:
            # Requisition and people are filled in: the next decision is the category.
            self.query_one("#picker", CategoryPicker).focus()
        else:
            self.query_one("#requisition", Input).focus()

    # -- requisition type-ahead --------------------------------------------------------------------

    def _requisition_text(self) -> str:
        r = self.requisition
        return requisition_label(r.code, r.title, r.client) if r else ""

    @on(Input.Changed, "#requisition")
    def _requisition_typed(self, event: Input.Changed) -> None:
        suggestions = self.query_one("#suggestions", OptionList)
        text = event.value.strip()
        if self.requisition is not None and event.value == self._requisition_text():
            suggestions.remove_class("-shown")
            return
        self.requisition = None
        suggestions.clear_options()
        if not text:
            suggestions.remove_class("-shown")
            self._validate_live()
            return
        rows = self.store.query_queue(QueueQuery(text=text, sort="code", descending=True), limit=SUGGESTIONS)
        suggestions.add_options(
            Option(
                Text.assemble(
                    (row.code, "bold"),
                    f"  {row.title} · {row.client}",
                    (f"   {row.sales_owner} / {row.recruiter or 'no recruiter'}", "dim"),
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                id=str(row.id),
            )
            for row in rows
        )
        if rows:
            suggestions.highlighted = 0
            suggestions.add_class("-shown")
        else:
            suggestions.remove_class("-shown")
        self._validate_live()

    def action_next_field(self) -> None:
        """`down` walks the form like `tab`, and from the requisition field into its suggestions."""
        suggestions = self.query_one("#suggestions", OptionList)
        if self.focused is self.query_one("#requisition", Input) and suggestions.has_class("-shown"):
            suggestions.focus()
        else:
            self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    @on(OptionList.OptionSelected, "#suggestions")
    def _suggestion_chosen(self, event: OptionList.OptionSelected) -> None:
        self._choose_requisition(int(event.option.id or 0))

    def _choose_requisition(self, requisition_id: int) -> None:
        requisition = self.store.get_requisition(requisition_id)
        if requisition is None:
            return
        self.requisition = requisition
        self.query_one("#requisition", Input).value = self._requisition_text()
        self.query_one("#suggestions", OptionList).remove_class("-shown")
        if not self.people_chosen:
            picker = self.query_one("#picker", CategoryPicker)
            self._people_from_requisition(requisition, self._raiser_team(picker.category))
            self._show_people()
        self._validate_live()
        self._schedule_suggestion()
        self.query_one("#picker", CategoryPicker).focus()

    # -- the two people ----------------------------------------------------------------------------

    def _people_from_requisition(self, requisition: Requisition, raiser: Team) -> None:
        sales, recruiter = requisition.sales_owner_id, requisition.recruiter_id
        if recruiter is None:
            self.raised_by, self.counterpart = sales, None
            return
        if raiser == Team.SALES:
            self.raised_by, self.counterpart = sales, recruiter
        else:
            self.raised_by, self.counterpart = recruiter, sales

    def _raiser_team(self, category: DisputeCategory | None) -> Team:
        return RAISED_BY_TEAM.get(category, Team.RECRUITING) if category else Team.RECRUITING

    def _show_people(self) -> None:
        for selector, value in (("#raised-by", self.raised_by), ("#counterpart", self.counterpart)):
            select = self.query_one(selector, Select)
            wanted = value if value is not None else Select.NULL
            if select.value != wanted:
                select.value = wanted
        self._update_picker_hint()

    @on(Select.Changed)
    def _person_chosen(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else int(str(event.value))
        current = self.raised_by if event.select.id == "raised-by" else self.counterpart
        if value == current:
            return  # the echo of a value the form set itself
        if event.select.id == "raised-by":
            self.raised_by = value
        else:
            self.counterpart = value
        self.people_chosen = True
        self._update_picker_hint()
        self._validate_live()

    @on(CategoryPicker.SwapAsked)
    def _swap(self) -> None:
        self.raised_by, self.counterpart = self.counterpart, self.raised_by
        self.people_chosen = True
        self._show_people()
        self._validate_live()

    def _update_picker_hint(self) -> None:
        names = {p.id: p.name for p in self.people}
        raiser = names.get(self.raised_by or -1)
        hint = Text.assemble(
            ("Category", "bold"),
            "  press its letter (",
            (NOT_SURE_KEY, "bold"),
            " not sure) · ",
            ("1–3", "bold"),
            " severity",
        )
        if raiser:
            swap = Text.assemble(("x", "bold"), f" swaps sides ({raiser} raised it)")
            # On one line when it fits the window, else the swap on a line of its own: never cut, and never
            # broken inside the name.
            one_line = hint.cell_len + 3 + swap.cell_len <= self._hint_width()
            hint.append_text(Text.assemble(" · " if one_line else "\n", swap))
        self.query_one("#picker-hint", Label).update(hint)

    def _hint_width(self) -> int:
        """The cells a line of the window holds: its box less border and padding (before the first layout,
        from the terminal's width, which the box fits in)."""
        box = self.query_one("#capture", Vertical)
        return box.content_size.width or min(CAPTURE_WIDTH, self.app.size.width) - 4

    def on_resize(self) -> None:
        self._update_picker_hint()

    # -- category ----------------------------------------------------------------------------------

    @on(CategoryPicker.Picked)
    def _category_picked(self, event: CategoryPicker.Picked) -> None:
        if not self.people_chosen and self.requisition is not None:
            self._people_from_requisition(self.requisition, self._raiser_team(event.category))
            self._show_people()
        self._validate_live()
        self._show_suggestion()
        summary = self.query_one("#summary", Input)
        if not summary.value.strip():
            summary.focus()

    # -- the suggested category (the diagnosis of the words typed and the requisition's facts) --------

    @on(Input.Changed, "#sales-interest, #recruiting-interest")
    def _interest_typed(self) -> None:
        self._schedule_suggestion()

    def _schedule_suggestion(self) -> None:
        if self.suggest is None:
            return
        if self._suggest_timer is not None:
            self._suggest_timer.stop()
        self._suggest_timer = self.set_timer(SUGGEST_DELAY, self._start_suggestion)

    def _start_suggestion(self) -> None:
        self._suggest_timer = None
        suggest = self.suggest
        if suggest is None:
            return
        summary = self.query_one("#summary", Input).value
        sales = self.query_one("#sales-interest", Input).value
        recruiting = self.query_one("#recruiting-interest", Input).value
        requisition_id = self.requisition.id if self.requisition else None
        if not (summary.strip() or sales.strip() or recruiting.strip()) and requisition_id is None:
            self._suggested(self._suggest_round, None)
            return
        self._suggest_round += 1
        round_ = self._suggest_round

        def work() -> None:
            diagnosis = suggest(summary, requisition_id, sales, recruiting)
            self.app.call_from_thread(self._suggested, round_, diagnosis)

        # The first suggestion loads the rules (seconds on a busy machine): never on the typing thread.
        self.run_worker(work, thread=True, group="category-suggestion", name="suggest category")

    def _suggested(self, round_: int, diagnosis: Diagnosis | None) -> None:
        if round_ != self._suggest_round or not self.is_mounted:
            return  # an older suggestion, overtaken by newer typing
        self.suggestion = diagnosis
        self._show_suggestion()

    @property
    def suggested_category(self) -> DisputeCategory | None:
        found = self.suggestion.suggested if self.suggestion is not None else None
        return DisputeCategory(found) if found else None

    def _show_suggestion(self) -> None:
        label = next(self.query("#category-suggestion").results(Label), None)
        if label is None:  # a suggestion that arrived while the dialog was being taken down
            return
        suggested = self.suggested_category
        picked = self.query_one("#picker", CategoryPicker).category
        label.remove_class("-differs")
        # A row only while there is a suggestion to show.
        label.set_class(self.suggestion is not None, "-shown")
        if self.suggestion is None:
            label.update("")
            return
        if suggested is None or self.suggestion is None:
            label.update("Suggested category: none yet (the words and facts so far point to no category)")
            return
        top = self.suggestion.supported[0]
        why = "; ".join(e.text for e in top.evidence[:2])
        name = CATEGORY_LABELS[suggested]
        if picked == suggested:
            label.update(Text.assemble("Suggested: ", (name, "bold"), f" ✓ as picked · {why}"))
            return
        label.update(
            Text.assemble(
                "Suggested: ",
                (name, "bold"),
                " · ",
                (ACCEPT_KEY, "bold"),
                " takes it",
                *((" · you picked ", (CATEGORY_LABELS[picked], "bold")) if picked is not None else ()),
                f" · {why}",
            )
        )
        label.set_class(picked is not None, "-differs")

    @on(CategoryPicker.AcceptAsked)
    def action_accept_suggestion(self) -> None:
        suggested = self.suggested_category
        if suggested is None:
            self.app.notify("No category is suggested yet: type the summary first", title="Dispute")
            return
        picker = self.query_one("#picker", CategoryPicker)
        picker.category = suggested
        self._category_picked(CategoryPicker.Picked(picker, suggested))

    # -- saving ------------------------------------------------------------------------------------

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        suggestions = self.query_one("#suggestions", OptionList)
        if event.input.id == "requisition" and suggestions.has_class("-shown"):
            # enter takes the best match, so a typed code plus enter is enough.
            option = suggestions.highlighted_option
            if option is not None:
                self._choose_requisition(int(option.id or 0))
                return
        self.action_save()

    def key_enter(self) -> None:
        # enter on the picker saves too; inputs, selects and lists handle their own enter first.
        if isinstance(self.focused, CategoryPicker):
            self.action_save()

    def _name_of(self, pid: int) -> str:
        return next((p.name for p in self.people if p.id == pid), f"person {pid}")

    def _parties(self, errors: dict[str, str]) -> list[int]:
        """The further people typed in "Also in it" (names, comma-separated), each a member of the team."""
        typed = [part.strip() for part in self.query_one("#parties", Input).value.split(",") if part.strip()]
        by_name = {p.name.casefold(): p for p in self.people}
        found: list[int] = []
        for name in typed:
            person = by_name.get(name.casefold())
            if person is None:
                close = closest_name(name, [p.name for p in self.people])
                errors["parties"] = f"'{name}' is not in the team" + (f" — did you mean '{close}'?" if close else "")
                return []
            if person.saved_id not in (self.raised_by, self.counterpart, *found):
                found.append(person.saved_id)
        return found

    def _candidate(self) -> tuple[Dispute | None, dict[str, str]]:
        """The dispute the form describes, or the errors to show next to each field."""
        errors: dict[str, str] = {}
        typed = self.query_one("#requisition", Input).value.strip()
        if typed and self.requisition is None:
            errors["requisition"] = "No requisition matches; pick one from the list or clear the field"
        picker = self.query_one("#picker", CategoryPicker)
        if self.raised_by is None or self.counterpart is None:
            errors["people"] = "Choose who raised it and who it is with"
        elif self.raised_by == self.counterpart:
            errors["people"] = "A dispute needs two different people"
        parties = self._parties(errors)
        between_teams = self.query_one("#between-teams", Checkbox).value
        if between_teams and "people" not in errors and self.raised_by is not None and self.counterpart is not None:
            if {self.team_of.get(self.raised_by), self.team_of.get(self.counterpart)} != {Team.SALES, Team.RECRUITING}:
                errors["people"] = "Between the teams: choose one person from each team to stand for it"
        if between_teams and self.requisition is not None:
            errors["parties"] = "A dispute between the teams is about no single requisition: clear the requisition"
        summary = self.query_one("#summary", Input).value
        if not summary.strip():
            errors["summary"] = "Write a one-line summary of the disagreement"
        if errors:
            return None, errors
        base = self.editing.model_dump() if self.editing else {}
        try:
            dispute = Dispute.model_validate(
                {
                    **base,
                    "requisition_id": self.requisition.id if self.requisition else None,
                    "raised_by_id": self.raised_by,
                    "counterpart_id": self.counterpart,
                    # No category picked is "not sure": the rules diagnose it from the facts and words.
                    "category": picker.category or DisputeCategory.UNSURE,
                    "severity": picker.severity,
                    "summary": summary,
                    "sales_interest": self.query_one("#sales-interest", Input).value,
                    "recruiting_interest": self.query_one("#recruiting-interest", Input).value,
                    "parties": parties,
                    "between_teams": between_teams,
                }
            )
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "people"
                message = str(error["msg"]).removeprefix("Value error, ")
                errors[{"summary": "summary", "severity": "category"}.get(field, "save")] = message
            return None, errors
        return dispute, errors

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.show_field_errors(errors, ("requisition", "people", "category", "summary", "parties", "save"))

    def _validate_live(self) -> None:
        # Errors appear once the lead has tried to save, then follow every change they make.
        if self.tried_to_save:
            self._show_errors(self._candidate()[1])

    @on(Input.Changed, "#parties")
    @on(Checkbox.Changed, "#between-teams")
    def _parties_changed(self) -> None:
        self._validate_live()

    @on(Input.Changed, "#summary")
    def _summary_typed(self) -> None:
        self._validate_live()
        self._schedule_suggestion()

    def action_save(self) -> None:
        self.tried_to_save = True
        dispute, errors = self._candidate()
        self._show_errors(errors)
        if dispute is None:
            first = next(iter(errors))
            target = {
                "requisition": "#requisition",
                "people": "#raised-by",
                "category": "#picker",
                "summary": "#summary",
                "parties": "#parties",
            }.get(first)
            if target:
                self.query_one(target).focus()
            return
        store, editing, started_from, at_item = self.store, self.editing, self.started_from, self.at_item

        def write() -> tuple[Dispute, StandupItem | None, str]:
            if editing is not None and started_from is not None:
                mine = own_changes(editing, dispute, started_from)
                return save_dispute(store, mine, started_from=started_from), at_item, "updated"
            if at_item is not None:
                return (*log_dispute_at_item(store, dispute, at_item), "logged")
            return save_dispute(store, dispute), at_item, "logged"

        self.save_when_free(store, write, self._saved, self._not_saved)

    def _saved(self, saved: tuple[Dispute, StandupItem | None, str]) -> None:
        stored, self.at_item, done = saved
        self.app.notify(f"{stored.code} {done}", title="Dispute")
        self.dismiss(stored)

    def _not_saved(self, exc: Exception) -> None:
        if isinstance(exc, EditConflict):
            self.started_from = exc.current
            self._show_errors({"save": str(exc)})
            self.app.notify(str(exc), title="Not saved: changed elsewhere", severity="warning", timeout=10)
            return
        self._show_errors({"save": str(exc)})

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["DisputeCapture", "CategoryPicker", "CATEGORY_KEYS", "KEY_OF_CATEGORY", "RAISED_BY_TEAM"]
