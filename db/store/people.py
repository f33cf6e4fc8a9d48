"""People: adding, editing and reading the team (the people list is cached per change)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from mediation_console.db.models import Person, Team
from mediation_console.db.store.connection import RejectedChange, StoreConnection


class PeopleStore(StoreConnection):
    """People: adding, editing and reading the team (the people list is cached per change)."""

    # -- people ----------------------------------------------------------------------------------

    def add_person(self, person: Person) -> Person:
        with self.transaction():
            self._check_person_is_new(person)
            return self._insert("people", person, "person")

    def add_people(self, people: Sequence[Person]) -> list[Person]:
        """Adds them all, each audited, in one transaction: all or none."""
        with self.transaction():
            return [self.add_person(person) for person in people]

    def update_person(self, person: Person, started_from: Person | None = None) -> Person:
        """Saves an edited person; with `started_from`, as `update_requisition` (refused over a newer version)."""
        with self.transaction():
            before, person, mine = self._edit(person, started_from)
            if mine is None:
                mine = [name for name in Person.model_fields if getattr(before, name) != getattr(person, name)]
            if not mine:
                return before
            self._check_person_is_new(person)
            return self._update("people", person, before, "person", fields=mine)

    def _check_person_is_new(self, person: Person) -> None:
        """The name and the email belong to nobody else (whatever their case): said in words, by field."""
        same_name = self.person_by_name(person.name)
        if same_name is not None and same_name.id != person.id:
            raise RejectedChange(f"There is already someone called {same_name.name}")
        if person.email:
            same_email = self.person_by_email(person.email)
            if same_email is not None and same_email.id != person.id:
                raise RejectedChange(f"{same_email.name} already has the email {same_email.email}")

    def get_person(self, person_id: int) -> Person | None:
        return self._get(Person, "people", person_id)

    def person_by_name(self, name: str) -> Person | None:
        return self._by_nocase(Person, "people", "name", name)

    def person_by_email(self, email: str) -> Person | None:
        return self._by_nocase(Person, "people", "email", email)

    def list_people(self, team: Team | str | None = None, active_only: bool = False) -> list[Person]:
        people = self._all_people()
        if team:
            people = [p for p in people if p.team == str(team)]
        if active_only:
            people = [p for p in people if p.active]
        return list(people)

    def _all_people(self) -> list[Person]:
        # Every screen asks for the people (names for ids); a large firm has thousands, and validating
        # them costs ~50 ms a time. Kept until the people table changes, whoever changes it.
        version = self.table_versions("people")
        cached = self._people_cache
        if cached is None or cached[0] != version:
            people = self._list(Person, "SELECT * FROM people ORDER BY name COLLATE NOCASE")
            self._people_cache = cached = (version, people)
        return cached[1]

    def people_by_id(self) -> Mapping[int, Person]:
        """Everyone by id, read-only: one index per version of the people, shared by every caller (a
        firm of 25,000 people takes ~7 ms to index, and a copy of it ~1.5 ms: a detail panel asks for
        it on every open)."""
        people = self._all_people()
        cached = self._people_by_id_cache
        if cached is None or cached[0] is not people:
            self._people_by_id_cache = cached = (people, MappingProxyType({p.saved_id: p for p in people}))
        return cached[1]
