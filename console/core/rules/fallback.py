"""Costed fallbacks (BATNA): what each side does if the dispute ends with no agreement, and what that
costs, from the data where it can be (issue 14).

Each side's action is the pack's category text (`sales_fallback` / `recruiting_fallback`, filled from the
dispute's facts). The costs are worked out here from the dispute's facts, every figure with its sample
and its source, and a plain sentence instead of a number where the data is missing:

- expected fee at these terms: the team's fill rate of closed requisitions on the same terms (engagement,
  fee at or below the standard) × the fee % × the salary max, with each side's share by the pack's split;
- the same against the alternative terms (the standard fee for a discounted requisition, exclusive for a
  contingent one), from the closed requisitions on those terms;
- expected time to fill: the estimate with its sample and source (similar fills, grade, team, SHRM), set
  against the days already open and the date promised to the client;
- candidates at risk: submitted candidates the client has not answered (submittal and feedback events).

Feasibility: a step that waits on someone outside the room (the pack's [outside] entries: a hiring manager
who cannot be reached, a client silent for days) says what happens if they have not answered by its due date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mediation_console.console.core.rules.conditions import Template, format_value
from mediation_console.console.core.rules.pack import Pack, say


@dataclass(frozen=True, slots=True)
class FallbackCost:
    """One costed line: `value` is the figure (dollars, days or candidates), None when the data to cost it
    is missing (then `text` says what is missing); `n` the sample behind it; `source` where it comes from."""

    kind: str  # "expected_fee", "alternative_fee", "time_to_fill", "candidates_at_risk"
    label: str
    value: float | None
    n: int | None
    source: str
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "value": None if self.value is None else round(self.value, 2),
            "n": self.n,
            "source": self.source,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class SideFallback:
    """One side's alternative to agreeing: what it does, and its share of the expected fee (None: not costed)."""

    side: str
    action: str
    fee_share: float | None = None
    share_pct: float | None = None

    @property
    def share_text(self) -> str:
        if self.fee_share is None or self.share_pct is None:
            return ""
        return f"its {self.share_pct:g}% share of the expected fee: {_money(self.fee_share)}"


@dataclass(frozen=True, slots=True)
class CostedFallback:
    """Both sides' fallbacks for one dispute and what no agreement costs, line by line."""

    category: str
    sales: SideFallback
    recruiting: SideFallback
    costs: tuple[FallbackCost, ...]

    def side(self, side: str) -> SideFallback:
        return self.sales if side == "sales" else self.recruiting

    def cost(self, kind: str) -> FallbackCost | None:
        return next((c for c in self.costs if c.kind == kind), None)

    def side_lines(self) -> list[tuple[str, str]]:
        """(side label, what it does and its share of the expected fee), for the sides that have a fallback."""
        found = []
        for label, side in (("Sales", self.sales), ("Recruiting", self.recruiting)):
            if side.action or side.share_text:
                share = f" ({side.share_text})" if side.share_text else ""
                found.append((label, f"{side.action}{share}" if side.action else side.share_text))
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "sales": {
                "action": self.sales.action,
                "fee_share": None if self.sales.fee_share is None else round(self.sales.fee_share, 2),
                "share_pct": self.sales.share_pct,
            },
            "recruiting": {
                "action": self.recruiting.action,
                "fee_share": None if self.recruiting.fee_share is None else round(self.recruiting.fee_share, 2),
                "share_pct": self.recruiting.share_pct,
            },
            "costs": [c.as_dict() for c in self.costs],
        }


def _money(value: float) -> str:
    return format_value(value, "money")


def _pct(value: float) -> str:
    return format_value(value, "pct")


def _closed(n: int) -> str:
    return f"{n} closed requisition" if n == 1 else f"{n} closed requisitions"


def _terms(facts: Mapping[str, Any], standard: float) -> str:
    engagement = str(facts.get("engagement") or "contingent")
    fee = facts.get("fee_pct")
    if fee is None:
        return f"{engagement}, no fee recorded"
    return f"{engagement}, {'at or above' if fee >= standard else 'below'} the {standard:g}% standard fee"


def _not_costed(kind: str, label: str, source: str, why: str) -> FallbackCost:
    """A line with no figure and no sample: its text says why ("<label>: not costed: …")."""
    return FallbackCost(kind, label, None, None, source, f"{label}: {why}")


def _fee_line(
    kind: str, label: str, rate: float | None, n: int, fee: float, salary: float, terms: str, ref: str
) -> FallbackCost:
    """`terms` reads after "closed requisitions": "on these terms (contingent, ...)", "at the 20% standard fee"."""
    full = fee / 100 * salary
    source = f"the team's closed requisitions {terms}"
    if rate is None:
        whole = f" (the whole fee on {ref} would be {_money(full)}: {_pct(fee)} of {_money(salary)})"
        return FallbackCost(
            kind,
            label,
            None,
            0,
            source,
            f"{label}: not costed: the team has no closed requisitions {terms} yet"
            + (whole if kind == "expected_fee" else ""),
        )
    filled = round(rate * n / 100)
    value = rate / 100 * full
    return FallbackCost(
        kind,
        label,
        value,
        n,
        source,
        f"{label}: {_money(value)} = {_pct(rate)} fill rate ({filled} of {_closed(n)} {terms}) "
        f"× {_pct(fee)} fee × {_money(salary)} salary max",
    )


def costed_fallback(pack: Pack, category_id: str, facts: Mapping[str, Any]) -> CostedFallback:
    """Each side's fallback for a dispute whose proposals are of `category_id`, costed from its facts."""
    category = pack.categories.get(category_id)
    sales_action = recruiting_action = ""
    if category is not None:
        sales_action = say(category.sales_fallback_text, facts) if category.sales_fallback_text else ""
        recruiting_action = say(category.recruiting_fallback_text, facts) if category.recruiting_fallback_text else ""
    costs: list[FallbackCost] = []
    ref = str(facts.get("requisition_ref") or facts.get("requisition_code") or "this requisition")
    expected: float | None = None
    if not facts.get("has_requisition"):
        costs.append(
            _not_costed("expected_fee", "Expected fee", "", "not costed: the dispute is about no single requisition")
        )
        costs.append(_team_time_to_fill(facts))
    elif not facts.get("is_open"):
        status = facts.get("status") or "closed"
        costs.append(
            _not_costed(
                "expected_fee", "Expected fee", "the requisition's status", f"nothing left to cost: {ref} is {status}"
            )
        )
    else:
        expected = _fee_costs(pack, facts, ref, costs)
        costs.append(_time_to_fill(facts))
        costs.append(_candidates_at_risk(facts))
    shares = {side: pack.constants.get(f"credit_split_{side}_pct") for side in ("sales", "recruiting")}

    def side(name: str, action: str) -> SideFallback:
        pct = shares[name]
        if expected is None or not isinstance(pct, (int, float)) or isinstance(pct, bool):
            return SideFallback(name, action)
        return SideFallback(name, action, expected * float(pct) / 100, float(pct))

    return CostedFallback(category_id, side("sales", sales_action), side("recruiting", recruiting_action), tuple(costs))


def _fee_costs(pack: Pack, facts: Mapping[str, Any], ref: str, costs: list[FallbackCost]) -> float | None:
    """The expected fee at these terms and at the alternative terms; returns the expected fee (None: not costed)."""
    standard = pack.constant("standard_fee_pct")
    fee, salary = facts.get("fee_pct"), facts.get("salary_max")
    label = f"Expected fee at these terms ({_terms(facts, standard)})"
    if fee is None or salary is None:
        missing = " and ".join(what for what, value in (("fee", fee), ("salary max", salary)) if value is None)
        costs.append(
            _not_costed(
                "expected_fee", label, "the requisition's terms", f"not costed: {ref} has no {missing} recorded"
            )
        )
        return None
    terms = "on these terms"
    line = _fee_line(
        "expected_fee",
        label,
        facts.get("fill_rate_same_terms_pct"),
        int(facts.get("fill_rate_same_terms_n") or 0),
        fee,
        salary,
        terms,
        ref,
    )
    costs.append(line)
    alternatives: list[tuple[str, str, str, float]] = []
    if fee < standard:
        alternatives.append(
            (
                "standard_fee",
                f"Against the {standard:g}% standard fee",
                f"at the {standard:g}% standard fee or more",
                standard,
            )
        )
    if str(facts.get("engagement")) == "contingent":
        alternatives.append(("exclusive", "Against exclusive terms", "on exclusive or retained terms", fee))
    if not alternatives:
        costs.append(
            _not_costed(
                "alternative_fee",
                "Against other terms",
                "the requisition's terms",
                f"none to compare: {ref} is already {facts.get('engagement')} at or above the {standard:g}% standard fee",
            )
        )
    for key, alt_label, words, alt_fee in alternatives:
        alt = _fee_line(
            "alternative_fee",
            alt_label,
            facts.get(f"fill_rate_{key}_pct"),
            int(facts.get(f"fill_rate_{key}_n") or 0),
            alt_fee,
            salary,
            words,
            ref,
        )
        if alt.value is not None and line.value is not None:
            gap = alt.value - line.value
            alt = dataclasses.replace(
                alt, text=f"{alt.text} ({'+' if gap >= 0 else '-'}{_money(abs(gap))} against these terms)"
            )
        costs.append(alt)
    return line.value


def _time_to_fill(facts: Mapping[str, Any]) -> FallbackCost:
    days = facts.get("estimate_days")
    basis = str(facts.get("estimate_basis") or "")
    source = "the SHRM benchmark" if facts.get("estimate_source") != "history" else "the team's filled requisitions"
    n = int(facts.get("estimate_sample") or 0)
    if days is None:
        return _not_costed("time_to_fill", "Expected time to fill", "", "not known")
    parts = [f"Expected time to fill: {basis}"]
    opened = facts.get("days_open")
    if opened is not None:
        left = days - opened
        parts.append(
            f"open {format_value(opened, 'days')}, so about {format_value(left, 'days')} more"
            if left > 0
            else f"open {format_value(opened, 'days')}, {format_value(-left, 'days')} past that already"
            if left < 0
            else f"open {format_value(opened, 'days')}, due about now"
        )
    short = facts.get("promise_short_by_days")
    if short is not None and facts.get("promised_date"):
        if short > 0:
            parts.append(f"{format_value(short, 'days')} later than promised to the client ({facts['promised_date']})")
        else:
            parts.append(f"within the date promised to the client ({facts['promised_date']})")
    return FallbackCost("time_to_fill", "Expected time to fill", float(days), n, source, "; ".join(parts))


def _team_time_to_fill(facts: Mapping[str, Any]) -> FallbackCost:
    days, fills = facts.get("team_time_to_fill_days"), int(facts.get("team_fills") or 0)
    label = "Team time to fill"
    if days is None:
        return FallbackCost(
            "time_to_fill", label, None, 0, "the team's filled requisitions", f"{label}: not known: no fill on record"
        )
    spread = ""
    if facts.get("team_fill_low") is not None and facts.get("team_fill_high") is not None:
        spread = f", {facts['team_fill_low']:.0f}–{facts['team_fill_high']:.0f}"
    return FallbackCost(
        "time_to_fill",
        label,
        float(days),
        fills,
        "the team's filled requisitions",
        f"{label}: {format_value(days, 'days')}, the team's median of {fills} fill{'s' if fills != 1 else ''}{spread}",
    )


def _candidates_at_risk(facts: Mapping[str, Any]) -> FallbackCost:
    label = "Candidates at risk"
    source = "submittal and feedback events"
    waiting = int(facts.get("candidates_waiting") or 0)
    submittals = int(facts.get("submittals") or 0)
    if waiting:
        silent = facts.get("client_silent_days")
        since = f", the oldest for {format_value(silent, 'days')}" if silent is not None else ""
        who = "candidate" if waiting == 1 else "candidates"
        return FallbackCost(
            "candidates_at_risk",
            label,
            float(waiting),
            submittals,
            source,
            f"{label}: {waiting} submitted {who} waiting for the client{since} (of {submittals} submitted)",
        )
    text = (
        f"{label}: none: no candidate submitted yet"
        if submittals == 0
        else f"{label}: none waiting for an answer (of {submittals} submitted)"
    )
    return FallbackCost("candidates_at_risk", label, 0.0, submittals, source, text)


# -- feasibility: a step that waits on someone outside the room ------------------------------------

# The facts' key for the people outside the room who may not answer in this dispute (service.Mediator):
# {outside id: (who, why, what happens then)}, as the pack's [outside] entries say while their `when` holds.
OUTSIDE_IN_DOUBT = "_outside_in_doubt"


def outside_in_doubt(pack: Pack, facts: Mapping[str, Any]) -> dict[str, tuple[str, str, str]]:
    """The pack's people outside the room whose `when` holds for these facts (a hiring manager who cannot
    be reached, a client silent for days), each as (who, why, what happens if they do not answer)."""
    found: dict[str, tuple[str, str, str]] = {}
    for name, outside in pack.outside.items():
        held, _shown = outside.when.check(facts)
        if held:
            found[name] = (outside.who.render(facts), outside.why.render(facts), say(outside.if_no_answer, facts))
    return found


def if_no_answer(
    depends_on: Sequence[str],
    own: Template | None,
    facts: Mapping[str, Any],
    due: dt.date,
) -> str:
    """The line a step that waits on someone outside the room carries while they may not answer:
    "If Lumen's hiring manager has not answered by Fri 04 Dec (...): ..."; "" when it waits on nobody in doubt.
    `own` is the step's own if_no_answer text (else the [outside] entry's)."""
    in_doubt = facts.get(OUTSIDE_IN_DOUBT) or {}
    for name in depends_on:
        if name in in_doubt:
            who, why, then = in_doubt[name]
            if own is not None:
                then = say(own, facts)
            return f"If {who} has not answered by {due:%a %d %b} ({why}): {then}"
    return ""
