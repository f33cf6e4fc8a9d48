"""Win/win proposals for a dispute: which of the pack's options fire, how strongly, ranked with track record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mediation_console.console.core.calendar import BusinessCalendar
from mediation_console.console.core.follow_through import WINDOW_DAYS
from mediation_console.console.core.rules.diagnosis import Diagnosis
from mediation_console.console.core.rules.fallback import if_no_answer
from mediation_console.console.core.rules.interests import InterestMet, plain_text, restate_all, text_of
from mediation_console.console.core.rules.pack import SIDES, Category, CommitmentRule, Pack, ProposalRule, say
from mediation_console.console.core.rules.record import NO_RECORD, RuleRecord, learned_adjustment

SIDE_LABELS = {"sales": "Sales", "recruiting": "Recruiting"}
# The facts' key for the names of the people in a dispute by side (service.Mediator): a side with several
# people gives each of them the side's commitments.
PARTIES_BY_SIDE = "_parties_by_side"


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """Each side's follow-through (follow_through.py, over its WINDOW_DAYS), as used for ranking.

    sales_pct / recruiting_pct: kept ÷ (kept + missed) × 100 for the dispute's salesperson and
    recruiter, falling back to their team's when the person has no closed commitments yet, None
    when neither has any; *_basis says which ("person", "team" or "none").
    """

    sales_pct: float | None = None
    recruiting_pct: float | None = None
    sales_basis: str = "none"
    recruiting_basis: str = "none"

    def pct(self, side: str) -> float | None:
        return self.sales_pct if side == "sales" else self.recruiting_pct if side == "recruiting" else None

    def basis(self, side: str) -> str:
        return self.sales_basis if side == "sales" else self.recruiting_basis


@dataclass(frozen=True, slots=True)
class PlannedCommitment:
    """A commitment a proposal creates once accepted.

    owner: "sales", "recruiting" or a person's name; text: what is promised; due_in: business days
    after acceptance; due: that date counted from today; check_in: a check-in with the lead before the
    step it checks (every package has one before its first step; a side whose follow-through is low gets
    one before its own first step too); standing: a rule for next time, kept or not over window_in
    business days and reviewed on `due`, not a one-off step; if_no_answer: what happens if someone
    outside the room the step waits on has not answered by its due date.
    """

    owner: str
    text: str
    due_in: int
    due: dt.date
    check_in: bool = False
    standing: bool = False
    window_in: int = 0
    # The step waits on someone outside the room who may not answer: what happens then (fallback.if_no_answer).
    if_no_answer: str = ""

    @property
    def kind(self) -> str:
        """ "step" (due on one date), "standing" (a rule kept over window_in business days, reviewed on its
        due date) or "check_in" (with the lead, before the step it checks)."""
        return "check_in" if self.check_in else "standing" if self.standing else "step"


@dataclass(frozen=True, slots=True)
class Proposal:
    """A ranked win/win option for one dispute, filled with its facts.

    id/title/category/mode: from the pack (mode is collaborating or compromising);
    sales_gives, sales_gets, recruiting_gives, recruiting_gets: what each side gives and gets;
    criterion / criterion_value: the objective standard and its current value;
    commitments: what accepting it creates; review_date: when to check it worked;
    strength: priority + the weights of the signals that hold; matched: those signals, in words;
    rank_score: strength + track-record weight × the reliability of the sides it relies on;
    adjustments: what the track record changed (earlier due dates, check-ins);
    sales_fallback / recruiting_fallback: each side's alternative if no agreement is reached.
    """

    id: str
    title: str
    category: str
    mode: str
    sales_gives: tuple[str, ...]
    sales_gets: tuple[str, ...]
    recruiting_gives: tuple[str, ...]
    recruiting_gets: tuple[str, ...]
    criterion: str
    criterion_value: str
    commitments: tuple[PlannedCommitment, ...]
    review_date: dt.date
    strength: float
    rank_score: float
    matched: tuple[str, ...]
    adjustments: tuple[str, ...]
    sales_fallback: str = ""
    recruiting_fallback: str = ""
    # The rule's own record in this team (record.py) and what it added to rank_score.
    record: RuleRecord = NO_RECORD
    record_adjustment: float = 0.0
    # Each side's stated interest against this proposal (interests.py), and what meeting them added to rank_score.
    interests: tuple[InterestMet, ...] = ()
    interest_adjustment: float = 0.0
    # Options that dovetail with this one (low cost to one side, high value to the other), offered with it:
    # their gives, gets and steps are part of this package.
    together_with: tuple[str, ...] = ()
    together_lines: tuple[str, ...] = ()

    @property
    def steps(self) -> tuple[PlannedCommitment, ...]:
        """The package's steps on this dispute, soonest first."""
        return tuple(sorted((c for c in self.commitments if c.kind == "step"), key=lambda c: c.due_in))

    @property
    def standing_rules(self) -> tuple[PlannedCommitment, ...]:
        return tuple(c for c in self.commitments if c.standing)

    @property
    def check_ins(self) -> tuple[PlannedCommitment, ...]:
        return tuple(c for c in self.commitments if c.check_in)

    def interest_lines(self) -> tuple[str, ...]:
        """ "Meets Tom's 'keep Lumen happy': ..." for each stated interest, met or not."""
        return tuple(i.sentence() for i in self.interests)


@dataclass(frozen=True, slots=True)
class Consideration:
    """One proposal rule looked at for a dispute: whether it fired and why (for `rules explain`)."""

    rule_id: str
    title: str
    fired: bool
    why: tuple[str, ...]
    proposal: Proposal | None = None

    @property
    def rank_score(self) -> float:
        return self.proposal.rank_score if self.proposal else float("-inf")


@functools.lru_cache(maxsize=512)
def _due(calendar: BusinessCalendar, today: dt.date, days: int) -> dt.date:
    """A due date `days` business days from today: every proposal of every dispute asks for the same few."""
    return calendar.add_business_days(today, days)


def _sooner(due_in: int) -> int:
    """Halves a due date (rounding up), so a side that often misses gets a nearer, checkable step."""
    return due_in if due_in <= 1 else max(1, math.ceil(due_in / 2))


def consider(
    rule: ProposalRule,
    facts: Mapping[str, Any],
    pack: Pack,
    track: TrackRecord,
    today: dt.date,
    calendar: BusinessCalendar,
    category_score: float = 0.0,
    record: RuleRecord = NO_RECORD,
) -> Consideration:
    """Evaluates one proposal rule against a dispute's facts; due dates are counted on `calendar`.
    `category_score` is the diagnosis' score of the rule's category, added (× diagnosis_weight) to its rank;
    `record` is the rule's own record here (kept commitments of the times it was accepted)."""
    why: list[str] = []
    title = rule.title_for(facts)
    if rule.requires is not None:
        held, shown = rule.requires.check(facts)
        if not held:
            reason = rule.requires_why.render(facts) if rule.requires_why else f"`{rule.requires.text}` is false"
            return Consideration(rule.id, title, False, (f"not supported: {reason} ({shown})",))
        why.append(f"supported: `{rule.requires.text}` holds ({shown})")
    if rule.when is not None:
        held, shown = rule.when.check(facts)
        if not held:
            return Consideration(rule.id, title, False, (f"does not fire: `{rule.when.text}` is false ({shown})",))
        why.append(f"fires: `{rule.when.text}` holds ({shown})")
    else:
        why.append("fires for every dispute of its category")
    strength = rule.priority
    matched: list[str] = []
    for signal in rule.signals:
        held, shown = signal.when.check(facts)
        if held:
            strength += signal.weight
            matched.append(signal.why.render(facts))
            why.append(f"+{signal.weight:g}: {signal.why.render(facts)}")
        else:
            why.append(f"+0: `{signal.when.text}` is false ({shown})")

    low = pack.constant("low_follow_through_pct")
    neutral = pack.constant("neutral_follow_through_pct")
    adjustments: list[str] = []
    # Only a side that owns commitments in this proposal is tightened: its track record is at stake here.
    owners = {c.owner for c in rule.commitments}
    low_sides = {side for side in SIDES if side in owners and (pct := track.pct(side)) is not None and pct < low}
    for side in sorted(low_sides):
        adjustments.append(
            f"{SIDE_LABELS[side]} follow-through is {track.pct(side):.0f}% over {WINDOW_DAYS} days (below {low:.0f}%): "
            "its commitments are due sooner and a check-in is added"
        )
    category = pack.categories.get(rule.category)
    commitments, reliability = _package(rule, category, facts, track, today, calendar, low_sides, neutral, title)
    check_in_due = int(pack.constant("check_in_due_in"))
    commitments.extend(_check_ins(commitments, low_sides, check_in_due, today, calendar))
    commitments = _for_every_party(commitments, facts.get(PARTIES_BY_SIDE) or {})
    mean_reliability = sum(reliability) / len(reliability) if reliability else neutral / 100
    diagnosis_part = pack.constant("diagnosis_weight") * category_score
    record_pct, learned = learned_adjustment(
        record, neutral, pack.constant("rule_record_prior"), pack.constant("rule_record_weight")
    )
    # Each text filled with its words (interests.text_of reads the pack's fixed wording once, not per dispute).
    sales_gives_read = tuple(text_of(t, facts) for t in rule.sales_gives)
    sales_gets_read = tuple(text_of(t, facts) for t in rule.sales_gets)
    recruiting_gives_read = tuple(text_of(t, facts) for t in rule.recruiting_gives)
    recruiting_gets_read = tuple(text_of(t, facts) for t in rule.recruiting_gets)
    title_read = text_of(rule.title_text, facts) if rule.title_text is not None else plain_text(title)
    # What a side is handed: what it gets, what the other side gives, then the title.
    interests = restate_all(
        facts,
        (*sales_gets_read, *recruiting_gives_read, title_read),
        (*recruiting_gets_read, *sales_gives_read, title_read),
    )
    weight = pack.constant("interest_weight")
    met = sum(1 for i in interests if i.met)
    interest_part = weight * met
    for interest in interests:
        why.append(f"{'+' + format(weight, 'g') if interest.met else '+0'}: {interest.sentence()}")
    rank_score = (
        strength + pack.constant("track_record_weight") * mean_reliability + diagnosis_part + learned + interest_part
    )
    why.append(f"its record: {record.sentence()} (kept rate with the prior {record_pct:.0f}%) -> {learned:+.2f}")
    why.append(
        f"strength {strength:g}; track record {mean_reliability * 100:.0f}%; diagnosis {category_score:g}; "
        f"record {learned:+.2f}; interests met {met} of {len(interests)} {interest_part:+g} -> rank score {rank_score:.2f}"
    )
    proposal = Proposal(
        id=rule.id,
        title=title,
        category=rule.category,
        mode=rule.mode,
        sales_gives=tuple(text for text, _words in sales_gives_read),
        sales_gets=tuple(text for text, _words in sales_gets_read),
        recruiting_gives=tuple(text for text, _words in recruiting_gives_read),
        recruiting_gets=tuple(text for text, _words in recruiting_gets_read),
        criterion=rule.criterion,
        criterion_value=rule.criterion_value.render(facts),
        commitments=tuple(commitments),
        review_date=_due(calendar, today, rule.review_in),
        strength=strength,
        rank_score=rank_score,
        matched=tuple(matched),
        adjustments=tuple(adjustments),
        sales_fallback=say(category.sales_fallback_text, facts) if category and category.sales_fallback_text else "",
        recruiting_fallback=say(category.recruiting_fallback_text, facts)
        if category and category.recruiting_fallback_text
        else "",
        record=record,
        record_adjustment=learned,
        interests=interests,
        interest_adjustment=interest_part,
    )
    return Consideration(rule.id, title, True, tuple(why), proposal)


def _package(
    rule: ProposalRule,
    category: Category | None,
    facts: Mapping[str, Any],
    track: TrackRecord,
    today: dt.date,
    calendar: BusinessCalendar,
    low_sides: set[str],
    neutral: float,
    title: str,
) -> tuple[list[PlannedCommitment], list[float]]:
    """The proposal's steps (a side that often misses gets them sooner) and its standing rule for next time:
    the rule's own, else its category's. Returns them with the reliability of each of the rule's owners."""
    commitments: list[PlannedCommitment] = []
    reliability: list[float] = []
    for rule_commitment in rule.commitments:
        owner = rule_commitment.owner
        if rule_commitment.standing:
            commitments.append(_standing(rule_commitment, rule, facts, today, calendar))
        else:
            due_in = _sooner(rule_commitment.due_in) if owner in low_sides else rule_commitment.due_in
            text = say(rule_commitment.text, facts)
            due = _due(calendar, today, due_in)
            unanswered = (
                if_no_answer(rule_commitment.depends_on, rule_commitment.if_no_answer, facts, due)
                if rule_commitment.depends_on
                else ""
            )
            commitments.append(PlannedCommitment(owner, text, due_in, due, if_no_answer=unanswered))
        pct = track.pct(owner)
        reliability.append((pct if pct is not None else neutral) / 100)
    if not any(c.standing for c in commitments) and category is not None and category.standing is not None:
        commitments.append(_standing(category.standing, rule, facts, today, calendar))
    return commitments, reliability


def _standing(
    rule_commitment: CommitmentRule,
    rule: ProposalRule,
    facts: Mapping[str, Any],
    today: dt.date,
    calendar: BusinessCalendar,
) -> PlannedCommitment:
    """A standing rule: kept (or not) over its window of business days, reviewed on the window's last day,
    which is its due date ("From now on: ... (kept over the next 10 business days; review Thu 17 Dec)")."""
    window = rule_commitment.window_in or rule.review_in
    review = _due(calendar, today, window)
    text = say(rule_commitment.text, facts)
    sentence = f"From now on: {text[:1].lower() + text[1:]} (kept over the next {window} business days; review {review:%a %d %b})"
    return PlannedCommitment(rule_commitment.owner, sentence, window, review, standing=True, window_in=window)


def _check_ins(
    commitments: Sequence[PlannedCommitment],
    low_sides: set[str],
    check_in_due: int,
    today: dt.date,
    calendar: BusinessCalendar,
) -> list[PlannedCommitment]:
    """A check-in with the lead before the package's first step is due (today when it is due tomorrow), by
    that step's owner; a side whose follow-through is low checks in before its own first step too."""
    steps = [c for c in commitments if not c.standing]
    if not steps:
        return []
    first = min(steps, key=lambda c: c.due_in)
    found = []
    for side in sorted({first.owner} | low_sides, key=lambda side: (side != first.owner, side)):
        mine = min((c for c in steps if c.owner == side), key=lambda c: c.due_in, default=None)
        if mine is None:
            continue
        # Never on or after the step it checks.
        due_in = max(0, min(check_in_due, mine.due_in - 1))
        found.append(
            PlannedCommitment(
                side,
                f"Check in with the lead on progress: {mine.text} (due {mine.due:%a %d %b})",
                due_in,
                _due(calendar, today, due_in),
                check_in=True,
            )
        )
    return found


def _for_every_party(
    commitments: list[PlannedCommitment], by_side: Mapping[str, Sequence[str]]
) -> list[PlannedCommitment]:
    """With more than one person on a side (two recruiters and an account manager in a credit dispute),
    each person gets their side's commitment by name, so nobody in the room is left without one; every
    step is then written to a named person, the only one on the other side too."""
    if not any(len(names) > 1 for names in by_side.values()):
        return commitments
    expanded: list[PlannedCommitment] = []
    for planned in commitments:
        names = by_side.get(planned.owner, ())
        if names:
            expanded.extend(dataclasses.replace(planned, owner=name) for name in names)
        else:
            expanded.append(planned)
    return expanded


def consider_dispute(
    pack: Pack,
    diagnosis: Diagnosis,
    facts: Mapping[str, Any],
    track: TrackRecord,
    today: dt.date,
    calendar: BusinessCalendar,
    records: Mapping[str, RuleRecord] | None = None,
) -> list[Consideration]:
    """Every proposal of the pack for one dispute: those of the categories the diagnosis ranks (every
    supported one, and the lead's pick as a prior) ranked together, best first; then every other one with
    why it does not apply. `records`: each rule's own record here, by rule id."""
    records = records or {}
    ranked = set(diagnosis.ranked_categories)
    considered = []
    for rule in pack.proposals:
        score = diagnosis.score_of(rule.category)
        if rule.category not in ranked:
            value = score.evidence_score if score else 0.0
            considered.append(
                Consideration(
                    rule.id,
                    rule.title_for(facts),
                    False,
                    (f"not considered: the evidence does not support {rule.category} (score {value:g})",),
                )
            )
            continue
        considered.append(
            consider(
                rule,
                facts,
                pack,
                track,
                today,
                calendar,
                score.score if score else 0.0,
                records.get(rule.id, NO_RECORD),
            )
        )
    fired = sorted((c for c in considered if c.fired), key=lambda c: (-c.rank_score, c.rule_id))
    idle = sorted((c for c in considered if not c.fired), key=lambda c: c.rule_id)
    return _dovetailed(fired, pack, facts, today, calendar) + idle


def _either(mine: Sequence[InterestMet], theirs: Sequence[InterestMet]) -> tuple[InterestMet, ...]:
    """Each side's interest as this option meets it, else as the option offered with it does."""
    other = {i.side: i for i in theirs}
    return tuple(i if i.met or not other.get(i.side, i).met else other[i.side] for i in mine)


def dovetails(first: ProposalRule, second: ProposalRule) -> bool:
    """Two options of different categories dovetail when what each asks costs little to the side the other
    is worth most to: together, each side gives what is cheap for it and gets what it values."""
    return (
        first.category != second.category
        and first.low_cost_for is not None
        and first.high_value_for is not None
        and first.low_cost_for != first.high_value_for
        and second.low_cost_for == first.high_value_for
        and second.high_value_for == first.low_cost_for
    )


def _dovetailed(
    fired: list[Consideration],
    pack: Pack,
    facts: Mapping[str, Any],
    today: dt.date,
    calendar: BusinessCalendar,
) -> list[Consideration]:
    """Each ranked option with the best-ranked other option that dovetails with it offered together: its
    gives, gets and steps join the package, which keeps one standing rule and checks in before its first
    step. Ranks do not change."""
    rules = {rule.id: rule for rule in pack.proposals}
    names = {
        "sales": str(facts.get("sales_first") or "sales"),
        "recruiting": str(facts.get("recruiter_first") or "recruiting"),
    }
    result = []
    for consideration in fired:
        proposal, rule = consideration.proposal, rules.get(consideration.rule_id)
        partner = next(
            (
                other
                for other in fired
                if other is not consideration
                and other.proposal is not None
                and rule is not None
                and (other_rule := rules.get(other.rule_id)) is not None
                and dovetails(rule, other_rule)
            ),
            None,
        )
        if proposal is None or partner is None or partner.proposal is None or rule is None:
            result.append(consideration)
            continue
        other = partner.proposal
        low, high = str(rule.low_cost_for), str(rule.high_value_for)
        line = (
            f"Offered together with \u201c{other.title}\u201d ({other.id}): this one costs {names[low]} little and is "
            f"worth most to {names[high]}, that one costs {names[high]} little and is worth most to {names[low]}"
        )
        steps = [c for c in proposal.commitments if c.kind == "step"]
        added = [c for c in other.steps if (c.owner, c.text) not in {(s.owner, s.text) for s in steps}]
        low_sides = {c.owner for c in (*proposal.check_ins, *other.check_ins)}
        merged = [*steps, *added, *proposal.standing_rules]
        merged.extend(_check_ins(merged, low_sides, int(pack.constant("check_in_due_in")), today, calendar))
        sales_gives = (*proposal.sales_gives, *other.sales_gives)
        sales_gets = (*proposal.sales_gets, *other.sales_gets)
        recruiting_gives = (*proposal.recruiting_gives, *other.recruiting_gives)
        recruiting_gets = (*proposal.recruiting_gets, *other.recruiting_gets)
        combined = dataclasses.replace(
            proposal,
            sales_gives=sales_gives,
            sales_gets=sales_gets,
            recruiting_gives=recruiting_gives,
            recruiting_gets=recruiting_gets,
            # What the package as a whole says to each side's interest (its rank stays the option's own): where
            # this option does not speak to it, the one offered with it may.
            interests=_either(proposal.interests, other.interests),
            commitments=tuple(merged),
            together_with=(other.id,),
            together_lines=(line,),
        )
        result.append(dataclasses.replace(consideration, why=(*consideration.why, line), proposal=combined))
    return result


def consider_all(
    pack: Pack,
    category: str,
    facts: Mapping[str, Any],
    track: TrackRecord,
    today: dt.date,
    calendar: BusinessCalendar,
) -> list[Consideration]:
    """Every proposal of the category: fired ones first, best rank first; then those that did not fire."""
    considered = [consider(rule, facts, pack, track, today, calendar) for rule in pack.proposals_for(category)]
    fired = sorted((c for c in considered if c.fired), key=lambda c: (-c.rank_score, c.rule_id))
    idle = sorted((c for c in considered if not c.fired), key=lambda c: c.rule_id)
    return fired + idle


def unreachable(pack: Pack) -> list[str]:
    """Proposals that can never rank first under any facts the pack's own conditions allow: another
    proposal of the same category applies whenever it does (no `when`, no `requires`) and, at its weakest,
    still outranks it at its strongest (priority plus every positive signal, and the best track record)."""
    spread = pack.constant("track_record_weight")
    warnings = []
    for rule in pack.proposals:
        best = rule.priority + sum(s.weight for s in rule.signals if s.weight > 0)
        for other in pack.proposals:
            if other is rule or other.category != rule.category or other.when is not None or other.requires is not None:
                continue
            worst = other.priority + sum(s.weight for s in other.signals if s.weight < 0)
            if worst > best + spread:
                warnings.append(
                    f"proposal '{rule.id}' can never rank first: '{other.id}' applies whenever it does and scores "
                    f"at least {worst:g} against its best {best:g} (+{spread:g} track record)"
                )
                break
    return warnings
