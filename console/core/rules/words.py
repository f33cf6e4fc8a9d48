"""Reading a dispute's words: normalised words and phrase matching for the diagnosis (never `eval`).

Text is lower-cased, accents and punctuation dropped, numbers kept ("23%" reads as "23 pct"), a few
contractions expanded ("isn't" -> "is not"), and each word reduced to a light stem ("declined",
"declines", "declining" -> "declin"), so "declined on pay" in the pack matches "candidates decline
on pay" in a summary. A phrase matches where its words appear in order, at most one other word apart
(so "declined on pay" also matches "declined mainly on pay"); a match right after a negation ("not",
"no", "never", "nothing to do with") does not count.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_CONTRACTIONS = {
    "isn't": "is not",
    "aren't": "are not",
    "wasn't": "was not",
    "weren't": "were not",
    "don't": "do not",
    "doesn't": "does not",
    "didn't": "did not",
    "won't": "will not",
    "can't": "can not",
    "cannot": "can not",
    "haven't": "have not",
    "hasn't": "has not",
    "hadn't": "had not",
    "shouldn't": "should not",
    "wouldn't": "would not",
    "couldn't": "could not",
}
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ingly", "edly", "ing", "ied", "ies", "ed", "es", "er", "ly", "s")


def stem(word: str) -> str:
    """A light stem: plural, past and -ing forms read as one word; short words are left alone."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ied", "ies"):
                base += "y"
            return base.rstrip("e") if len(base) > 3 else base
    return word.rstrip("e") if len(word) > 4 else word


_NEGATIONS = {stem(w) for w in ("not", "never", "nothing", "without")}


def words(text: str) -> list[str]:
    """The normalised words of a text (see the module's docstring)."""
    return list(_words(text))


@functools.lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    """words(), kept for the texts read again and again: a dispute's summary and interests are read once per
    category by the diagnosis, and each word of a quote once per phrase (~0.3 ms a dispute at 10 categories)."""
    folded = text.lower().replace("’", "'")
    if not folded.isascii():  # accents dropped ("Café" -> "cafe"); plain ASCII has none to drop
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    for short, long in _CONTRACTIONS.items():
        folded = folded.replace(short, f" {long} ")
    folded = folded.replace("n't", " not ").replace("%", " pct ").replace("&", " and ")
    folded = re.sub(r"(?<=\d),(?=\d{3})", "", folded)
    return tuple(stem(w) for w in _WORD.findall(folded))


def stems(text: str) -> tuple[str, ...]:
    """words() as a tuple, kept for texts read again and again (a rule's fixed wording, a client's name)."""
    return _words(text)


def phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(words(phrase))


@dataclass(frozen=True, slots=True)
class Match:
    phrase: tuple[str, ...]
    where: str  # "summary", "sales interest", "recruiting interest"
    quote: str  # the words of the text that matched, as written


def find(phrase: Sequence[str], text_words: Sequence[str], gap: int = 1) -> int | None:
    """Where the phrase's words start in the text (in order, at most `gap` other words between each two),
    or None; a match preceded by a negation within three words does not count."""
    n = len(text_words)
    for start in range(n):
        if text_words[start] != phrase[0]:
            continue
        at, ok = start, True
        for word in phrase[1:]:
            nxt = next((j for j in range(at + 1, min(n, at + 2 + gap)) if text_words[j] == word), None)
            if nxt is None:
                ok = False
                break
            at = nxt
        if not ok:
            continue
        before = text_words[max(0, start - 3) : start]
        if phrase[0] not in ("no", "not") and any(w in _NEGATIONS for w in before):
            continue
        return start
    return None


def match_phrases(phrases: Sequence[tuple[str, ...]], texts: Sequence[tuple[str, str]]) -> list[Match]:
    """Every phrase found in any of the texts ((where, text) pairs), once per phrase."""
    found: list[Match] = []
    split = [(where, text, _words(text)) for where, text in texts if text]
    present = {w for _where, _text, text_words in split for w in text_words}
    for phrase in phrases:
        if phrase[0] not in present:  # its first word is in none of the texts: it cannot match
            continue
        # A phrase inside one already found ("pay" inside "declined on pay") adds nothing new.
        if any(set(phrase) <= set(m.phrase) for m in found):
            continue
        for where, text, text_words in split:
            start = find(phrase, text_words)
            if start is not None:
                found.append(Match(phrase, where, _quote(text, phrase)))
                break
    return found


def _quote(text: str, phrase: Sequence[str]) -> str:
    """The stretch of the original text the phrase matched (first to last matched word)."""
    tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[^\W_]+%?|\$[\d,]+k?", text)]
    stems = [(_words(t) or ("",))[0] for t, _s, _e in tokens]
    start = find(phrase, stems)
    if start is None:
        return " ".join(phrase)
    end = start
    for word in phrase[1:]:
        end = next((j for j in range(end + 1, len(stems)) if stems[j] == word), end)
    return text[tokens[start][1] : tokens[end][2]]
