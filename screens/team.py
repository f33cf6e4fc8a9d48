"""Mode 6, Team: the people requisitions, disputes and commitments are about; add, edit and deactivate them."""

from __future__ import annotations

from collections.abc import Hashable
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Center
from textual.widgets import Static

from mediation_console.console.core.services import Services
from mediation_console.console.core.team import TeamMember, save_person, set_active, team_members
from mediation_console.db.models import Person, Team
from mediation_console.db.words import plural
from mediation_console.screens.base import ModeScreen
from mediation_console.screens.commands import Command, bindings, register
from mediation_console.screens.dialogs.person_form import PersonForm
from mediation_console.screens.widgets.paged_table import Cell, Column, StripedTable

COMMANDS = register(
    Command(
        "team.new_person",
        "n",
        "team",
        "add a person",
        "Add someone to the team: name, role (sales, recruiter or lead), team and email",
        "new_person",
        footer="Add",
        writes=True,
    ),
    Command(
        "team.edit_person",
        "e",
        "team",
        "edit the person",
        "Change the selected person's name, role, team or email (enter does too)",
        "edit_person",
        footer="Edit",
        writes=True,
    ),
    Command(
        "team.toggle_active",
        "a",
        "team",
        "deactivate / reactivate",
        "Deactivate the selected person (they leave the forms and standups; their history stays) or bring them back",
        "toggle_active",
        footer="Active",
        writes=True,
    ),
)

# The name column fits the longest name within these bounds; at 80 columns 22 leaves room for the rest.
NAME_WIDTH = (12, 22)


def _count(value: int, alarm: int = 0) -> Cell:
    if not value:
        return Cell("0", "dim")
    return Cell(f"{value} ({alarm} late)" if alarm else str(value), "bad" if alarm else None)


class TeamTable(StripedTable[TeamMember]):
    """Everyone in the team, a screen of rows at a time; inactive people dimmed and marked."""

    def __init__(self, **kwargs: Any) -> None:
        self.name_width = NAME_WIDTH[0]
        super().__init__(self._columns(), zebra_stripes=True, **kwargs)

    def row_cache_key(self, row: TeamMember) -> Hashable:
        person = row.person  # a pydantic model is not hashable: what a line shows of it is
        return (
            person.id, person.name, person.team, person.team_name, person.email, person.active,
            row.open_requisitions, row.open_commitments, row.overdue_commitments,
        )  # fmt: skip

    def fit_names(self, members: list[TeamMember]) -> None:
        longest = max((len(text_of(m, "name")) for m in members), default=0)
        width = max(NAME_WIDTH[0], min(NAME_WIDTH[1], longest))
        if width != self.name_width:
            self.name_width = width
            self.set_columns(self._columns())

    def _columns(self) -> list[Column[TeamMember]]:
        def dim_if_inactive(text: str) -> Any:
            return lambda m: Cell(text_of(m, text), None if m.person.active else "dim")

        return [
            Column(
                "name",
                "Name",
                dim_if_inactive("name"),
                width=self.name_width,
                max_width=self.name_width + 2,
                priority=0,
            ),
            Column("role", "Role", dim_if_inactive("role"), width=9, max_width=10),
            Column("team", "Team", dim_if_inactive("team"), width=8, flex=1, max_width=22, priority=2),
            Column("email", "Email", dim_if_inactive("email"), width=16, flex=2, max_width=36, priority=2),
            # "Reqs" and "Commitments" count the open ones (the title line says so).
            Column("reqs", "Reqs", lambda m: _count(m.open_requisitions), width=4, max_width=9, flex=1, align="right"),
            Column(
                "commitments",
                "Commitments",
                lambda m: _count(m.open_commitments, m.overdue_commitments),
                width=11,
                max_width=14,
                align="right",
            ),
            # The first to give way on a narrow line: an inactive person's name says so anyway.
            Column(
                "active",
                "Active",
                lambda m: Cell("yes") if m.person.active else Cell("no", "dim"),
                width=6,
                priority=3,
            ),
        ]


def text_of(member: TeamMember, what: str) -> str:
    person = member.person
    if what == "name":
        return person.name if person.active else f"{person.name} (inactive)"
    if what == "role":
        return person.role
    if what == "team":
        return person.team_name or "—"
    return person.email or "—"


class TeamScreen(ModeScreen):
    """The team as stored; every change is the Store's add or update (one transaction with its audit row)."""

    COMMAND_AREA: ClassVar[str] = "team"
    KEY_ACTIONS = ("new_person", "edit_person")
    SUB_TITLE = "Team"
    AUTO_FOCUS = "#team-table"
    BINDINGS: ClassVar[list[BindingType]] = bindings(COMMANDS)

    DEFAULT_CSS = """
    TeamScreen #team-title { height: 1; padding: 0 1; margin: 1 0 0 0; }
    TeamScreen #team-table { height: 1fr; margin: 0 1; }
    TeamScreen #team-empty-area { height: auto; margin: 1 2; }
    TeamScreen #team-empty { width: auto; max-width: 76; height: auto; padding: 1 2; background: $boost; }
    """

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.members: list[TeamMember] = []
        self._stamp: tuple[Any, ...] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="team-title")
        with Center(id="team-empty-area"):
            yield Static("", id="team-empty")
        yield TeamTable(id="team-table")

    def on_mount(self) -> None:
        self.refresh_data()
        self.table.focus()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if self.needs_reload(self._stamp):
            self.refresh_data()

    @property
    def table(self) -> TeamTable:
        return self.query_one("#team-table", TeamTable)

    # -- data --------------------------------------------------------------------------------------

    def refresh_data(self, select: int | None = None) -> None:
        """Reads the team again (a few grouped counts: fast at thousands of people); `select` puts the
        cursor on that person."""
        self._stamp = self.data_stamp()
        store = self.services.store
        current = self.table.current_row if select is None else None
        wanted = select if select is not None else (current.person.id if current is not None else None)
        self.members = members = team_members(store, self.services.now().date())
        self.table.fit_names(members)
        cursor = next((i for i, m in enumerate(members) if m.person.id == wanted), None)
        self.table.set_source(
            lambda offset, limit: members[offset : offset + limit], len(members), keep_cursor=True, cursor=cursor
        )
        self._show_title()

    def _show_title(self) -> None:
        members = self.members
        empty = not members
        self.query_one("#team-empty-area").display = empty
        self.table.display = not empty
        if empty:
            self.query_one("#team-title", Static).update(Text("Team · nobody yet", style="bold"))
            self.query_one("#team-empty", Static).update(
                Text.assemble(
                    ("Nobody in the team yet.", "bold"),
                    "\n\nPress ",
                    ("n", "bold"),
                    " to add a person: a salesperson, a recruiter or a lead. A requisition needs a sales "
                    "owner and a standup needs people, so the team comes first.\n\nA whole team at once: ",
                    ("mediate people import team.csv", "bold"),
                    " (columns name, role, team, email).",
                )
            )
            return
        active = [m.person for m in members if m.person.active]
        by_role = [
            plural(sum(p.team == Team.SALES for p in active), "salesperson", "salespeople"),
            plural(sum(p.team == Team.RECRUITING for p in active), "recruiter"),
            plural(sum(p.team == Team.LEAD for p in active), "lead"),
        ]
        inactive = len(members) - len(active)
        self.query_one("#team-title", Static).update(
            Text.assemble(
                ("Team", "bold"),
                (
                    f" · {', '.join(by_role)}"
                    + (f" · {inactive} inactive" if inactive else "")
                    + " · open reqs and commitments",
                    "dim",
                ),
            )
        )

    # -- actions -----------------------------------------------------------------------------------

    def _selected(self) -> Person | None:
        member = self.table.current_row if self.members else None
        return member.person if member is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit_person", "toggle_active"):
            return bool(self.members)
        return True

    def action_new_person(self) -> None:
        if self.can_write():
            store = self.services.store
            self.app.push_screen(PersonForm(store, None, store.list_people(), partial(save_person, store)), self._saved)

    def action_edit_person(self) -> None:
        person = self._selected()
        if person is not None and self.can_write():
            store = self.services.store
            self.app.push_screen(
                PersonForm(store, person, store.list_people(), partial(save_person, store)), self._saved
            )

    @on(TeamTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_edit_person()

    def action_toggle_active(self) -> None:
        person = self._selected()
        if person is None or not self.can_write():
            return
        store = self.services.store
        self.write_when_free(
            lambda: set_active(store, person, not person.active),
            self._activity_changed,
            what=f"{person.name} {'deactivated' if person.active else 'active again'}",
        )

    def _activity_changed(self, saved: Person) -> None:
        if saved.active:
            self.notify(f"{saved.name} is active again", title="Team")
        else:
            self.notify(
                f"{saved.name} is deactivated: no longer offered in forms and standups; their history stays",
                title="Team",
            )
        self.refresh_data(select=saved.id)

    def _saved(self, person: Person | None) -> None:
        if person is None:
            return
        self.notify(f"{person.name} saved ({person.role})", title="Team")
        self.refresh_data(select=person.id)
        self.table.focus()
