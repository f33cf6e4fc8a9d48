"""Rule packs: TOML files of scorecard criteria, gates and proposals, loaded, merged by id and validated.

The shipped pack (default_pack.toml, package data) comes first; a lead's own pack (the config
directory's rules.toml, or `--rules`) and any extra packs follow. An entry with an id that already
exists overrides it field by field (so `weight = 20` alone re-weights a criterion), a new id adds a
rule, and `enabled = false` drops one. Everything is checked on load; the first problem is raised as
a PackError whose one-line message names the file, the rule id and what is wrong.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mediation_console.console.core.norms import (
    DEFAULT_TIME_TO_FILL_DAYS,
    FEEDBACK_HOURS,
    MIN_HISTORY,
    STALE_DAYS,
    STANDARD_FEE_PCT,
)
from mediation_console.console.core.rules.conditions import Condition, ConditionError, Template
from mediation_console.console.core.rules.facts import (
    PROPOSAL_FACTS,
    SCORECARD_FACTS,
    FactSpec,
    constant_spec,
    fact_value,
)
from mediation_console.console.core.rules.words import phrase_words
from mediation_console.db import safe_file
from mediation_console.db.models import KNOWN_CATEGORIES

SHIPPED_PACK = "default_pack.toml"
SIDES = ("sales", "recruiting")
CATEGORIES = tuple(c.value for c in KNOWN_CATEGORIES)
TOTAL_WEIGHT = 100
# Constants every pack can rely on, with their defaults (the shipped pack does not repeat them); a lead
# may override their values but not remove them.
REQUIRED_CONSTANTS: dict[str, float] = {
    "default_time_to_fill_days": float(DEFAULT_TIME_TO_FILL_DAYS),  # SHRM's average
    "min_history": float(MIN_HISTORY),  # similar fills before the team's own median is used
    "standard_fee_pct": float(STANDARD_FEE_PCT),  # a fee below this is a concession
    "stale_days": float(STALE_DAYS),  # Bullhorn's staleness flag
    "feedback_hours": float(FEEDBACK_HOURS),  # Lever's hiring-manager feedback norm
    "low_follow_through_pct": 70.0,  # below this a side gets earlier due dates and a check-in
    "neutral_follow_through_pct": 80.0,  # assumed when a side has no kept or missed commitments yet
    "track_record_weight": 2.0,
    "check_in_due_in": 2.0,  # business days
    # A rule's own record here (record.py): its kept rate is shrunk toward neutral_follow_through_pct by
    # rule_record_prior imaginary commitments; the rank adds rule_record_weight × (that rate − neutral).
    "rule_record_prior": 4.0,
    "rule_record_weight": 5.0,
    # The diagnosis (diagnosis.py): a category is supported when its evidence reaches the threshold; each
    # phrase found in the words adds phrase_weight (the words together at most words_cap); the category
    # the lead logged gets prior_weight; a proposal's rank adds diagnosis_weight × its category's score.
    "diagnosis_threshold": 2.0,
    "phrase_weight": 1.5,
    "words_cap": 4.5,
    "prior_weight": 1.0,
    "diagnosis_weight": 1.0,
    # Interests restated (interests.py): a proposal's rank adds interest_weight for each side whose stated
    # interest it meets, so one that meets neither ranks below an otherwise equal one that meets either.
    "interest_weight": 1.0,
}


class PackError(Exception):
    """A rule pack that cannot be used; `str()` is one line naming the file, the rule id and the problem."""

    def __init__(self, source: str | Path, problem: str, kind: str | None = None, rule_id: str | None = None):
        self.source = str(source)
        self.kind = kind
        self.rule_id = rule_id
        self.problem = problem
        where = f"{kind} '{rule_id}': " if kind and rule_id else ""
        super().__init__(f"{self.source}: {where}{problem}")


class PackFileUnreadable(PackError):
    """The pack's file is missing, a folder or cannot be read: the setup, not the rules (the CLI exits 2)."""


# -- the TOML shape, checked by pydantic ----------------------------------------------------------


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LevelSpec(_Spec):
    score: Literal[0, 1, 2]
    when: str | None = None
    reason: str = Field(min_length=1)


class CriterionSpec(_Spec):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    weight: int = Field(ge=0, le=100)
    levels: list[LevelSpec] = Field(min_length=1)
    enabled: bool = True


class GateSpec(_Spec):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    when: str = Field(min_length=1)
    cap: Literal["A", "B", "C"]
    reason: str = Field(min_length=1)
    enabled: bool = True


class SignalSpec(_Spec):
    when: str = Field(min_length=1)
    weight: float = Field(default=1.0, ge=-100, le=100)
    why: str = Field(min_length=1)


class CommitmentSpec(_Spec):
    owner: str = Field(min_length=1)  # "sales", "recruiting" or a person's name
    text: str = Field(min_length=1)
    due_in: int = Field(default=1, ge=0, le=90)  # business days after the proposal is accepted
    # A standing rule for next time ("from now on ..."): not one due date but kept or not over a window of
    # business days from acceptance (window_in, default the proposal's review_in), reviewed at its end.
    standing: bool = False
    window_in: int | None = Field(default=None, ge=1, le=120)
    # Someone outside the room the step waits on ([outside] names: "client", "hiring_manager"), and what
    # happens if they do not answer by the due date (default: the [outside] entry's if_no_answer).
    depends_on: list[str] = Field(default_factory=list)
    if_no_answer: str = ""

    @field_validator("depends_on", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class StandingSpec(_Spec):
    """A category's standing rule, for its proposals that do not bring their own."""

    owner: str = Field(min_length=1)
    text: str = Field(min_length=1)
    window_in: int | None = Field(default=None, ge=1, le=120)


class OutsideSpec(_Spec):
    """Someone outside the room a step can wait on: who (in words), when they may not answer (a
    condition over the facts), why (in words), and what happens if they have not answered by the due date."""

    who: str = Field(min_length=1)
    when: str = Field(min_length=1)
    why: str = Field(min_length=1)
    if_no_answer: str = Field(min_length=1)


class ProposalSpec(_Spec):
    id: str = Field(min_length=1)
    category: str
    title: str = Field(min_length=1)
    mode: str
    when: str | None = None
    # What must hold for the option to apply at all (evidence, not the category): when it fails the
    # proposal is never ranked and `requires_why` says why ("no internal rejects recorded").
    requires: str | None = None
    requires_why: str = ""
    priority: float = Field(default=1.0, ge=-100, le=100)
    signals: list[SignalSpec] = Field(default_factory=list)
    sales_gives: list[str] = Field(default_factory=list)
    sales_gets: list[str] = Field(default_factory=list)
    recruiting_gives: list[str] = Field(default_factory=list)
    recruiting_gets: list[str] = Field(default_factory=list)
    criterion: str = Field(min_length=1)
    criterion_value: str = Field(min_length=1)
    commitments: list[CommitmentSpec] = Field(default_factory=list)
    review_in: int = Field(default=10, ge=1, le=120)  # business days
    # Dovetailing: the side for whom what this option asks costs little, and the side that values what it
    # gives most. Two supported options of different categories dovetail when each is cheap for the side the
    # other is valuable to (and the other way round): they are then offered together.
    low_cost_for: Literal["sales", "recruiting"] | None = None
    high_value_for: Literal["sales", "recruiting"] | None = None
    enabled: bool = True

    @field_validator("sales_gives", "sales_gets", "recruiting_gives", "recruiting_gets")
    @classmethod
    def _no_blank(cls, items: list[str]) -> list[str]:
        return [item.strip() for item in items if item and item.strip()]


class CategorySpec(_Spec):
    sales_fallback: str = ""
    recruiting_fallback: str = ""
    facts: list[str] = Field(default_factory=list)
    # The facts shown for a dispute of the category between the two teams (the teams' open requisitions).
    team_facts: list[str] = Field(default_factory=list)
    # The diagnosis: phrases in the summary or either interest that point to the category (matched on
    # normalised words), and fact patterns that support it, each with its weight and its evidence line.
    phrases: list[str] = Field(default_factory=list)
    evidence: list[SignalSpec] = Field(default_factory=list)
    standing: StandingSpec | None = None


class PackMeta(_Spec):
    name: str = ""
    version: int | str = 1
    description: str = ""


class GradesSpec(_Spec):
    A: int = Field(default=70, ge=1, le=100)
    B: int = Field(default=45, ge=0, le=100)


# -- the compiled pack ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Level:
    """One way a criterion can score: `score` (0–2) when `when` holds (None: otherwise), with `reason`."""

    score: int
    when: Condition | None
    reason: Template


@dataclass(frozen=True, slots=True)
class Criterion:
    """A scorecard criterion: the first level whose condition holds sets its score."""

    id: str
    title: str
    weight: int
    levels: tuple[Level, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Gate:
    """Caps the grade at `cap` when `when` holds, whatever the score."""

    id: str
    title: str
    when: Condition
    cap: str
    reason: Template
    source: str


@dataclass(frozen=True, slots=True)
class Signal:
    """A fact pattern that makes a proposal fit better: adds `weight` to its strength when it holds."""

    when: Condition
    weight: float
    why: Template


@dataclass(frozen=True, slots=True)
class CommitmentRule:
    """A commitment a proposal creates: a step due `due_in` business days after acceptance, or a standing
    rule (`standing`) kept over `window_in` business days (None: the proposal's review_in)."""

    owner: str
    text: Template
    due_in: int
    standing: bool = False
    window_in: int | None = None
    depends_on: tuple[str, ...] = ()
    if_no_answer: Template | None = None


@dataclass(frozen=True, slots=True)
class Outside:
    """Someone outside the room (the pack's [outside.NAME]): a step that depends on them, while `when`
    holds, says what happens if they have not answered by its due date."""

    id: str
    who: Template
    when: Condition
    why: Template
    if_no_answer: Template
    source: str


@dataclass(frozen=True, slots=True)
class ProposalRule:
    """A win/win option for one dispute category, as written in the pack."""

    id: str
    category: str
    title: str  # as written, placeholders and all; `title_text` fills it from a dispute's facts
    mode: str
    when: Condition | None
    priority: float
    signals: tuple[Signal, ...]
    requires: Condition | None
    requires_why: Template | None
    sales_gives: tuple[Template, ...]
    sales_gets: tuple[Template, ...]
    recruiting_gives: tuple[Template, ...]
    recruiting_gets: tuple[Template, ...]
    criterion: str
    criterion_value: Template
    commitments: tuple[CommitmentRule, ...]
    review_in: int
    source: str
    title_text: Template | None = None
    low_cost_for: str | None = None
    high_value_for: str | None = None

    def title_for(self, facts: Mapping[str, Any]) -> str:
        return say(self.title_text, facts) if self.title_text is not None else self.title


def say(template: Template, facts: Mapping[str, Any]) -> str:
    """A proposal's text filled from the facts, as a sentence: a text that opens on a name that fell
    back to a plain word ("sales takes the market data ...") still starts with a capital."""
    text = template.render(facts)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class Category:
    """Per-category texts: each side's fallback (shown instead of a competing option) and the facts to show."""

    id: str
    sales_fallback: str
    recruiting_fallback: str
    facts: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...] = ()  # each phrase as its normalised words
    evidence: tuple[Signal, ...] = ()
    standing: CommitmentRule | None = None  # the standing rule of its proposals that bring none
    # The fallback texts compiled (placeholders checked when the pack loads), filled from a dispute's facts.
    sales_fallback_text: Template | None = None
    recruiting_fallback_text: Template | None = None
    team_facts: tuple[str, ...] = ()  # shown for a dispute between the teams, before the teams' records


@dataclass
class Pack:
    """The merged, validated rules in force."""

    name: str
    sources: list[str]
    constants: dict[str, Any]
    grade_a: int
    grade_b: int
    criteria: tuple[Criterion, ...]
    gates: tuple[Gate, ...]
    proposals: tuple[ProposalRule, ...]
    categories: dict[str, Category] = field(default_factory=dict)
    outside: dict[str, Outside] = field(default_factory=dict)

    def proposals_for(self, category: str) -> list[ProposalRule]:
        return [p for p in self.proposals if p.category == category]

    def constant(self, name: str) -> float:
        return float(self.constants[name])


# -- loading --------------------------------------------------------------------------------------

_LISTS = {"criteria": "criterion", "gates": "gate", "proposals": "proposal"}
_TOP_LEVEL = {"pack", "constants", "grades", "categories", "outside", *_LISTS}


def shipped_pack_path() -> Path:
    return Path(str(resources.files("mediation_console.console.core.rules").joinpath(SHIPPED_PACK)))


MAX_PACK_BYTES = 512 * 1024  # the shipped pack is ~20 KB


def _read(path: Path) -> dict[str, Any]:
    try:
        # Never blocks on a FIFO nor reads a device; bounded, so a file growing while read stays bounded.
        with safe_file.open_for_reading(path) as handle:
            data = handle.read(MAX_PACK_BYTES + 1)
        if len(data) > MAX_PACK_BYTES:
            size = max(path.stat().st_size, len(data))
            raise PackError(path, f"is too big for a rule pack ({size:,} bytes; at most {MAX_PACK_BYTES:,})")
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise PackFileUnreadable(path, "the file does not exist") from None
    except IsADirectoryError:
        raise PackFileUnreadable(path, "is a folder, not a rule pack") from None
    except safe_file.NotRegularFile:
        raise PackFileUnreadable(path, f"{safe_file.NOT_REGULAR}, not a rule pack") from None
    except OSError as exc:
        raise PackFileUnreadable(path, f"cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PackError(path, "is not a UTF-8 text file") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(path, f"is not valid TOML: {exc}") from None
    except RecursionError:
        raise PackError(path, "nests tables or lists too deeply to be read") from None


def _pydantic_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown setting '{loc}'"
    if error["type"] == "missing":
        return f"'{loc}' is missing"
    message = error["msg"]
    return f"{loc}: {message}" if loc else message


_S = TypeVar("_S", bound=_Spec)


def _entry_spec(spec: type[_S], body: Any, source: str, kind: str, name: str) -> _S:
    """A pack entry's table checked into its spec; what is wrong with it is reported against the entry."""
    try:
        return spec.model_validate(body)
    except ValidationError as exc:
        raise PackError(source, _pydantic_problem(exc), kind, name) from None


@dataclass
class _Raw:
    entries: dict[str, dict[str, tuple[dict[str, Any], str]]] = field(
        default_factory=lambda: {name: {} for name in _LISTS}
    )
    constants: dict[str, tuple[Any, str]] = field(default_factory=dict)
    grades: dict[str, Any] = field(default_factory=dict)
    grades_source: str = ""
    categories: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    outside: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    weights_touched_by: str = ""


def _merge_file(raw: _Raw, data: dict[str, Any], source: str) -> None:
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise PackError(source, f"unknown section '{unknown[0]}' (expected: {', '.join(sorted(_TOP_LEVEL))})")
    raw.sources.append(source)
    meta = data.get("pack", {})
    try:
        meta_spec = PackMeta.model_validate(meta)
    except ValidationError as exc:
        raise PackError(source, f"[pack]: {_pydantic_problem(exc)}") from None
    if meta_spec.name:
        raw.names.append(meta_spec.name)
    constants = data.get("constants", {})
    if not isinstance(constants, dict):
        raise PackError(source, "[constants] must be a table of name = value")
    for name, value in constants.items():
        if name in PROPOSAL_FACTS:
            raise PackError(source, f"the constant '{name}' has the name of a fact; pick another name")
        if not isinstance(value, (bool, int, float, str)):
            raise PackError(source, f"the constant '{name}' must be a number, true/false or text")
        raw.constants[name] = (value, source)
    if "grades" in data:
        if not isinstance(data["grades"], dict):
            raise PackError(source, "[grades] must be a table like: A = 70, B = 45")
        raw.grades.update(data["grades"])
        raw.grades_source = source
    categories = data.get("categories", {})
    if not isinstance(categories, dict):
        raise PackError(source, "[categories] must be a table of categories")
    for name, body in categories.items():
        if name not in CATEGORIES:
            raise PackError(source, f"unknown category (use one of: {', '.join(CATEGORIES)})", "category", name)
        if not isinstance(body, dict):
            raise PackError(source, "must be a table", "category", name)
        previous = raw.categories.get(name, ({}, source))[0]
        raw.categories[name] = ({**previous, **body}, source)
    outside = data.get("outside", {})
    if not isinstance(outside, dict):
        raise PackError(source, "[outside] must be a table of people outside the room ([outside.client])")
    for name, body in outside.items():
        if not isinstance(body, dict):
            raise PackError(source, "must be a table", "outside", name)
        previous = raw.outside.get(name, ({}, source))[0]
        raw.outside[name] = ({**previous, **body}, source)
    for section, kind in _LISTS.items():
        items = data.get(section, [])
        if not isinstance(items, list):
            raise PackError(source, f"[[{section}]] must be a list of tables")
        seen: set[str] = set()
        for position, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise PackError(source, f"[[{section}]] entry {position} is not a table")
            rule_id = item.get("id")
            if not isinstance(rule_id, str) or not rule_id.strip():
                raise PackError(source, f"[[{section}]] entry {position} has no id")
            if rule_id in seen:
                raise PackError(source, "duplicate id: it appears twice in this file", kind, rule_id)
            seen.add(rule_id)
            previous = raw.entries[section].get(rule_id, ({}, source))[0]
            raw.entries[section][rule_id] = ({**previous, **item}, source)
            if section == "criteria" and ("weight" in item or "enabled" in item):
                raw.weights_touched_by = source


def _compile_condition(
    text: str,
    types: Mapping[str, Any],
    source: str,
    kind: str,
    rule_id: str,
    what: str,
    constants: Mapping[str, Any],
    scorecard: bool = False,
) -> Condition:
    try:
        return Condition.compile(text, types, constants)
    except ConditionError as exc:
        problem = str(exc)
        if scorecard:
            for name in PROPOSAL_FACTS:
                if name not in SCORECARD_FACTS and f"unknown fact '{name}'" in problem:
                    problem = (
                        f"the fact '{name}' is not available to scorecards (they read only the "
                        f"requisition's own fields) in `{text}`"
                    )
        raise PackError(source, f"{what}: {problem}", kind, rule_id) from None


def _compile_template(
    text: str, known: Iterable[str], source: str, kind: str, rule_id: str, what: str, constants: Mapping[str, Any]
) -> Template:
    try:
        return Template.compile(text, known, constants)
    except ConditionError as exc:
        raise PackError(source, f"{what}: {exc}", kind, rule_id) from None


def _build(raw: _Raw) -> Pack:
    constants = {name: fact_value(value) for name, (value, _src) in raw.constants.items()}
    for name, default in REQUIRED_CONSTANTS.items():
        constants.setdefault(name, default)
    constant_specs = {name: constant_spec(name, value) for name, value in constants.items()}
    card_specs: dict[str, FactSpec] = {**SCORECARD_FACTS, **constant_specs}
    all_specs: dict[str, FactSpec] = {**PROPOSAL_FACTS, **constant_specs}
    card_types = {name: spec.type for name, spec in card_specs.items()}
    all_types = {name: spec.type for name, spec in all_specs.items()}

    grades_source = raw.grades_source or (raw.sources[0] if raw.sources else "")
    try:
        grades = GradesSpec.model_validate(raw.grades)
    except ValidationError as exc:
        raise PackError(grades_source, f"[grades]: {_pydantic_problem(exc)}") from None
    if grades.B >= grades.A:
        raise PackError(grades_source, f"[grades]: B ({grades.B}) must be below A ({grades.A})")

    criteria: list[Criterion] = []
    for rule_id, (body, source) in raw.entries["criteria"].items():
        spec = _entry_spec(CriterionSpec, body, source, "criterion", rule_id)
        if not spec.enabled:
            continue
        levels = []
        for index, level in enumerate(spec.levels, start=1):
            last = index == len(spec.levels)
            if last and level.when is not None:
                raise PackError(
                    source,
                    f"level {index}: the last level needs no `when`: it is what applies otherwise",
                    "criterion",
                    rule_id,
                )
            if not last and level.when is None:
                raise PackError(source, f"level {index}: every level but the last needs a `when`", "criterion", rule_id)
            when = (
                None
                if level.when is None
                else _compile_condition(
                    level.when,
                    card_types,
                    source,
                    "criterion",
                    rule_id,
                    f"level {index} when",
                    constants,
                    scorecard=True,
                )
            )
            reason = _compile_template(
                level.reason, card_specs, source, "criterion", rule_id, f"level {index} reason", constants
            )
            levels.append(Level(level.score, when, reason))
        criteria.append(Criterion(rule_id, spec.title, spec.weight, tuple(levels), source))
    if not criteria:
        raise PackError(raw.sources[-1] if raw.sources else "", "no scorecard criteria are defined")
    total = sum(c.weight for c in criteria)
    if total != TOTAL_WEIGHT:
        listing = ", ".join(f"{c.id} {c.weight}" for c in criteria)
        source = raw.weights_touched_by or criteria[-1].source
        raise PackError(source, f"criterion weights add up to {total}, not {TOTAL_WEIGHT} ({listing})")

    gates: list[Gate] = []
    for rule_id, (body, source) in raw.entries["gates"].items():
        gate = _entry_spec(GateSpec, body, source, "gate", rule_id)
        if not gate.enabled:
            continue
        gates.append(
            Gate(
                rule_id,
                gate.title,
                _compile_condition(gate.when, card_types, source, "gate", rule_id, "when", constants, scorecard=True),
                gate.cap,
                _compile_template(gate.reason, card_specs, source, "gate", rule_id, "reason", constants),
                source,
            )
        )

    outsiders: dict[str, Outside] = {}
    for name, (body, source) in raw.outside.items():
        spec_outside = _entry_spec(OutsideSpec, body, source, "outside", name)

        def text(value: str, what: str, name: str = name, source: str = source) -> Template:
            return _compile_template(value, all_specs, source, "outside", name, what, constants)

        outsiders[name] = Outside(
            name,
            text(spec_outside.who, "who"),
            _compile_condition(spec_outside.when, all_types, source, "outside", name, "when", constants),
            text(spec_outside.why, "why"),
            text(spec_outside.if_no_answer, "if_no_answer"),
            source,
        )

    proposals: list[ProposalRule] = []
    for rule_id, (body, source) in raw.entries["proposals"].items():
        proposal = _build_proposal(rule_id, body, source, all_types, all_specs, constants, outsiders)
        if proposal is not None:
            proposals.append(proposal)

    categories: dict[str, Category] = {}
    for name in CATEGORIES:
        body, source = raw.categories.get(name, ({}, raw.sources[0] if raw.sources else ""))
        category = _entry_spec(CategorySpec, body, source, "category", name)
        for key, listed in (("facts", category.facts), ("team_facts", category.team_facts)):
            for fact in listed:
                if fact not in all_specs:
                    raise PackError(source, f"{key}: unknown fact '{fact}'", "category", name)
        evidence = tuple(
            Signal(
                _compile_condition(e.when, all_types, source, "category", name, f"evidence {i} when", constants),
                e.weight,
                _compile_template(e.why, all_specs, source, "category", name, f"evidence {i} why", constants),
            )
            for i, e in enumerate(category.evidence, start=1)
        )
        phrases = tuple(words for words in (phrase_words(p) for p in category.phrases) if words)
        standing = None
        if category.standing is not None:
            rule = category.standing
            standing = CommitmentRule(
                rule.owner,
                _compile_template(rule.text, all_specs, source, "category", name, "standing", constants),
                0,
                True,
                rule.window_in,
            )
        fallbacks = {
            side: _compile_template(text, all_specs, source, "category", name, f"{side}_fallback", constants)
            if text
            else None
            for side, text in (("sales", category.sales_fallback), ("recruiting", category.recruiting_fallback))
        }
        categories[name] = Category(
            name,
            category.sales_fallback,
            category.recruiting_fallback,
            tuple(category.facts),
            phrases,
            evidence,
            standing,
            fallbacks["sales"],
            fallbacks["recruiting"],
            team_facts=tuple(category.team_facts),
        )

    return Pack(
        name=" + ".join(raw.names) or "rules",
        sources=list(raw.sources),
        constants=constants,
        grade_a=grades.A,
        grade_b=grades.B,
        criteria=tuple(criteria),
        gates=tuple(gates),
        proposals=tuple(proposals),
        categories=categories,
        outside=outsiders,
    )


def _build_proposal(
    rule_id: str,
    body: dict[str, Any],
    source: str,
    types: Mapping[str, Any],
    specs: Mapping[str, FactSpec],
    constants: Mapping[str, Any],
    outsiders: Mapping[str, Outside] | None = None,
) -> ProposalRule | None:
    kind = "proposal"
    spec = _entry_spec(ProposalSpec, body, source, kind, rule_id)
    if not spec.enabled:
        return None
    if spec.category not in CATEGORIES:
        raise PackError(
            source, f"unknown category '{spec.category}' (use one of: {', '.join(CATEGORIES)})", kind, rule_id
        )
    if spec.mode == "competing":
        raise PackError(
            source,
            "mode 'competing' is never proposed: use collaborating or compromising, "
            "and show each side's fallback in [categories] instead",
            kind,
            rule_id,
        )
    if spec.mode not in ("collaborating", "compromising"):
        raise PackError(source, f"unknown mode '{spec.mode}' (use collaborating or compromising)", kind, rule_id)
    for side in SIDES:
        for verb in ("gives", "gets"):
            if not getattr(spec, f"{side}_{verb}"):
                raise PackError(
                    source,
                    f"{side} {verb} nothing: a win/win proposal needs a give and a get for both sides",
                    kind,
                    rule_id,
                )
    if not spec.commitments:
        raise PackError(
            source, "creates no commitments: say who does what, due in how many business days", kind, rule_id
        )

    def texts(items: Sequence[str], what: str) -> tuple[Template, ...]:
        return tuple(_compile_template(t, specs, source, kind, rule_id, what, constants) for t in items)

    outsiders = outsiders or {}
    for i, c in enumerate(spec.commitments, start=1):
        for name in c.depends_on:
            if name not in outsiders:
                close = difflib.get_close_matches(name, list(outsiders), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                known = ", ".join(sorted(outsiders)) or "none"
                raise PackError(
                    source,
                    f"commitment {i}: depends_on '{name}' names nobody in [outside]{hint} (known: {known})",
                    kind,
                    rule_id,
                )

    return ProposalRule(
        id=rule_id,
        category=spec.category,
        title=spec.title,
        mode=spec.mode,
        when=None
        if spec.when is None
        else _compile_condition(spec.when, types, source, kind, rule_id, "when", constants),
        priority=spec.priority,
        requires=None
        if spec.requires is None
        else _compile_condition(spec.requires, types, source, kind, rule_id, "requires", constants),
        requires_why=_compile_template(spec.requires_why, specs, source, kind, rule_id, "requires_why", constants)
        if spec.requires_why
        else None,
        signals=tuple(
            Signal(
                _compile_condition(s.when, types, source, kind, rule_id, f"signal {i} when", constants),
                s.weight,
                _compile_template(s.why, specs, source, kind, rule_id, f"signal {i} why", constants),
            )
            for i, s in enumerate(spec.signals, start=1)
        ),
        sales_gives=texts(spec.sales_gives, "sales_gives"),
        sales_gets=texts(spec.sales_gets, "sales_gets"),
        recruiting_gives=texts(spec.recruiting_gives, "recruiting_gives"),
        recruiting_gets=texts(spec.recruiting_gets, "recruiting_gets"),
        criterion=spec.criterion,
        criterion_value=_compile_template(
            spec.criterion_value, specs, source, kind, rule_id, "criterion_value", constants
        ),
        commitments=tuple(
            CommitmentRule(
                c.owner,
                _compile_template(c.text, specs, source, kind, rule_id, f"commitment {i}", constants),
                c.due_in,
                standing=c.standing,
                window_in=c.window_in,
                depends_on=tuple(c.depends_on),
                if_no_answer=_compile_template(
                    c.if_no_answer, specs, source, kind, rule_id, f"commitment {i} if_no_answer", constants
                )
                if c.if_no_answer
                else None,
            )
            for i, c in enumerate(spec.commitments, start=1)
        ),
        review_in=spec.review_in,
        source=source,
        title_text=_compile_template(spec.title, specs, source, kind, rule_id, "title", constants),
        low_cost_for=spec.low_cost_for,
        high_value_for=spec.high_value_for,
    )


def load_pack(extra: Iterable[str | Path] = (), *, include_shipped: bool = True) -> Pack:
    """The shipped pack merged with `extra` packs in order; raises PackError on the first problem."""
    raw = _Raw()
    paths: list[tuple[Path, str]] = []
    if include_shipped:
        path = shipped_pack_path()
        paths.append((path, f"shipped pack ({path.name})"))
    for item in extra:
        path = Path(item).expanduser()
        paths.append((path, str(path)))
    for path, label in paths:
        _merge_file(raw, _read_labelled(path, label), label)
    return _build(raw)


def _read_labelled(path: Path, label: str) -> dict[str, Any]:
    try:
        return _read(path)
    except PackError as exc:
        raise type(exc)(label, exc.problem) from None


def load_pack_text(text: str, source: str = "pack", *, include_shipped: bool = True) -> Pack:
    """Like load_pack for a pack held in memory (tests, previews)."""
    raw = _Raw()
    if include_shipped:
        path = shipped_pack_path()
        label = f"shipped pack ({path.name})"
        _merge_file(raw, _read_labelled(path, label), label)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(source, f"is not valid TOML: {exc}") from None
    _merge_file(raw, data, source)
    return _build(raw)
