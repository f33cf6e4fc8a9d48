"""Interests restated: how a proposal meets what each side said it wants, in that side's own words.

A dispute records each side's stated interest ("Keep Lumen happy on budget", "A range the market
accepts"). For every proposal the rules look for that interest's words in what the proposal hands that
side: what the side gets, what the other side gives, and the title. Words are compared normalised (the
words module: lower case, light stems, so "profiles" reads as "profile"), and a few words of the trade
count as one idea ("candidates", "profiles", "CVs", "shortlist"; "salary", "range", "budget"; the
client's own name and "the client"), so "Candidates in front of the client" is met by "Calibration
profiles that show Lumen what $85,000 buys". The words of the interest that matched are quoted as
written: "Meets Tom's 'Keep Lumen happy on budget': Lumen keeps the budget".

An interest is met when its words and the proposal's share an idea of the trade (other than the client),
or two plain words ("hiring manager"), or only the client's name when the interest names nothing else
("Keep Lumen"); one plain word in common is a coincidence, not a match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from mediation_console.console.core.rules.conditions import Template
from mediation_console.console.core.rules.words import stem, stems, words

# The facts' key under which the Mediator passes the dispute's stated interests, by side.
INTERESTS = "_interests"

# Words of the trade that name one idea; an interest and a proposal that use any two of the same group
# are speaking of the same thing.
_IDEAS: dict[str, tuple[str, ...]] = {
    "candidates": (
        "candidate",
        "profile",
        "cv",
        "cvs",
        "resume",
        "shortlist",
        "shortlisted",
        "slate",
        "submittal",
        "submit",
        "submitted",
        "finalist",
        "talent",
    ),
    "pay": ("pay", "salary", "range", "budget", "money", "comp", "compensation", "underpaid", "market"),
    "fee": ("fee", "discount", "price", "pricing", "margin", "concession", "rate"),
    "credit": (
        "credit",
        "commission",
        "split",
        "share",
        "bonus",
        "recognition",
        "referral",
        "origination",
        "originated",
    ),
    "date": ("date", "deadline", "timeline", "estimate", "quarter", "week", "promise", "promised"),
    "feedback": ("feedback", "answer", "answered", "reply", "response", "respond", "decision", "decide", "hear"),
    "spec": ("spec", "brief", "requirement", "must", "description", "jd", "ideal", "calibrate", "calibration"),
    "blame": ("blame", "blamed", "judged", "impression", "fault", "bad", "badly", "story"),
    "queue": ("queue", "ranked", "rank", "priority", "priorities", "prioritise", "prioritize"),
    "fill": ("fill", "hire", "hired", "placement", "fillable", "fills"),
    "visibility": ("visibility", "status", "update", "updates", "picture", "loop", "informed", "stand", "stands"),
    "search": ("search", "source", "sourcing", "sourced", "searches"),
    "interview": ("interview", "interviews", "stage", "stages", "process"),
    "client": ("client", "clients", "account", "customer"),
}
# Words that carry no idea of their own in an interest ("Keep the ...", "Stop being ...").
_STOPWORDS = frozenset(
    stem(w)
    for w in (
        "a an the to of for in on at by with from that this these those what who which whom is are was were be "
        "been being am do does did we us our i my me mine you your it its and or but if so as than then there "
        "they their them he she his her hers him when where why how before after again not no never keep kept "
        "get gets got stop want wants wanted need needs will would can could should each every all any some "
        "just only more most much very too also one two three off out up down over into about against front "
        "make made let take takes have has had actually really properly new now still look know see say said "
        "thing things way same other others happy first walk away"
    ).split()
)
_LEAD_VERBS = frozenset(stem(w) for w in ("keep", "get", "stop", "know", "hear", "win", "talk", "share", "have"))
# Each word as the words module reads it, singular and plural ("bonus" and "bonuses" stem differently).
_IDEA_OF: dict[str, str] = {
    read: idea
    for idea, group in _IDEAS.items()
    for w in group
    for form in (w, f"{w}s", f"{w}es")
    for read in words(form)[:1]
}
CLIENT = "client"


@dataclass(frozen=True, slots=True)
class InterestMet:
    """One side's stated interest against one proposal.

    side: "sales" or "recruiting"; person: who stated it, as the texts name them ("Tom", "the sales
    team"); interest: the interest as written; quote: its words that the proposal meets, as written
    ("" when it is not met); how: the proposal's text that meets it ("" when not met).
    """

    side: str
    person: str
    interest: str
    quote: str = ""
    how: str = ""

    @property
    def met(self) -> bool:
        return bool(self.how)

    def sentence(self) -> str:
        """ "Meets Tom's 'keep Lumen happy': Lumen keeps the budget" or "Does not speak to Ben's 'a ranked queue'"."""
        whose = possessive(self.person)
        if self.met:
            return f"Meets {whose} '{self.quote}': {self.how}"
        return f"Does not speak to {whose} '{self.interest}'"

    def as_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "person": self.person,
            "interest": self.interest,
            "met": self.met,
            "quote": self.quote,
            "how": self.how,
            "sentence": self.sentence(),
        }


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") and " " not in name else f"{name}'s"


# A text the rules wrote for a side, with its normalised words (filled templates are read piece by piece:
# see `text_of`), so the words of the pack's fixed wording are worked out once, not once per dispute.
SideText = tuple[str, tuple[str, ...]]


def text_of(template: Template, facts: Mapping[str, Any]) -> SideText:
    """A pack text filled from the facts, as a sentence (pack.say), with its words."""
    pieces = template.pieces(facts)
    text = "".join(pieces)
    return text[:1].upper() + text[1:], tuple(chain.from_iterable(stems(piece) for piece in pieces))


def plain_text(text: str) -> SideText:
    return text, stems(text)


def _ideas_of(text_stems: Sequence[str], client_words: frozenset[str], names: frozenset[str]) -> frozenset[str]:
    """The ideas a text speaks of: each word's group of the trade, else the word itself (stopwords and the
    people's names left out); the client's own name reads as the client."""
    found = set()
    for word in text_stems:
        if word in client_words:
            found.add(CLIENT)
        elif word in _STOPWORDS or word in names or len(word) < 2:
            continue
        else:
            found.add(_IDEA_OF.get(word, word))
    return frozenset(found)


@functools.lru_cache(maxsize=1024)
def _ideas(text: str, client_words: frozenset[str], names: frozenset[str]) -> frozenset[str]:
    return _ideas_of(stems(text), client_words, names)


def _quote(interest: str, shared: frozenset[str], client_words: frozenset[str], names: frozenset[str]) -> str:
    """The stretch of the interest, as written, from its first to its last word that the proposal shares."""
    tokens = list(re.finditer(r"[^\W_]+(?:'[^\W_]+)?%?|\$[\d,]+k?", interest))
    hits = [i for i, token in enumerate(tokens) if _ideas(token.group(0), client_words, names) & shared]
    if not hits:
        return interest
    first = hits[0]
    # "Keep Lumen happy" rather than "Lumen happy": the verb just before the first shared word goes with it.
    if first > 0 and stems(tokens[first - 1].group(0))[:1] and stems(tokens[first - 1].group(0))[0] in _LEAD_VERBS:
        first -= 1
    return interest[tokens[first].start() : tokens[hits[-1]].end()]


_TRADE_IDEAS = frozenset(_IDEAS) - {CLIENT}


def _meets(interest_ideas: frozenset[str], text_ideas: frozenset[str]) -> frozenset[str]:
    """The ideas an interest and a text share when that is enough to say the text meets it: an idea of the
    trade other than the client, or two plain words ("hiring manager"), or the client alone when the
    interest names nothing else ("Keep Lumen"). One plain word in common is a coincidence ("walk")."""
    shared = interest_ideas & text_ideas
    if shared & _TRADE_IDEAS or len(shared - {CLIENT}) >= 2 or (shared and interest_ideas == {CLIENT}):
        return shared
    return frozenset()


def restate(
    side: str,
    person: str,
    interest: str,
    texts: Sequence[SideText],
    client_words: frozenset[str],
    names: frozenset[str],
) -> InterestMet:
    """How the proposal's `texts` for a side (best first: what it gets, what the other side gives, the
    title) meet the side's stated interest: the text sharing most of its ideas, the first of equals."""
    interest_ideas = _ideas(interest, client_words, names)
    best: tuple[int, str, frozenset[str]] | None = None
    for text, text_stems in texts:
        shared = _meets(interest_ideas, _ideas_of(text_stems, client_words, names))
        if shared and (best is None or len(shared) > best[0]):
            best = (len(shared), text, shared)
    if best is None:
        return InterestMet(side, person, interest)
    return InterestMet(side, person, interest, _quote(interest, best[2], client_words, names), best[1])


def name_words(facts: Mapping[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """The client's name as words (they read as "the client"), and the people's names (they carry no idea:
    every text names the two people)."""
    client = facts.get("client")
    client_words = frozenset(stems(str(client))) if client else frozenset()
    people: set[str] = set()
    for key in ("sales_person", "recruiter_person"):
        if facts.get(key):
            people.update(stems(str(facts[key])))
    return client_words, frozenset(people - client_words)


def restate_all(
    facts: Mapping[str, Any],
    sales_texts: Iterable[SideText],
    recruiting_texts: Iterable[SideText],
) -> tuple[InterestMet, ...]:
    """Each stated interest of the dispute (facts[INTERESTS]) against a proposal's texts for that side."""
    stated = facts.get(INTERESTS) or {}
    client_words, names = name_words(facts)
    found = []
    for side, texts, who in (
        ("sales", sales_texts, "sales_first"),
        ("recruiting", recruiting_texts, "recruiter_first"),
    ):
        interest = str(stated.get(side) or "").strip()
        if interest:
            found.append(restate(side, str(facts.get(who) or side), interest, tuple(texts), client_words, names))
    return tuple(found)
