"""User text made inert before it reaches a terminal, a file or another program: one rule for all.

Stored text is kept exactly as it came; what *leaves* the console (a cell, a label, a notification, a
line the CLI prints, an export) passes through `inert`, which shows every control character visibly
instead of sending it: ESC becomes ␛, NUL ␀, CR ␍ (a line can no longer overwrite itself), an 8-bit
CSI ⟮U+009B⟯ and a bidirectional override ⟮U+202E⟯ (so "invoice⟮U+202E⟯fdp.exe" reads as what it is).
An escape sequence therefore arrives as harmless text (`␛]52;…␇`), never as a command.

`markdown_text` escapes user text for Markdown and chat formats so it renders as the same text and
never as an image, link, HTML, heading, list item or code fence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

# Characters that reorder what a reader sees (Unicode bidirectional controls and marks).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_CLASS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Every C0 control except tab and newline, DEL, every C1 control, the Unicode line and paragraph
# separators, the bidirectional controls, and lone surrogates (which no terminal can be sent).
_UNSAFE = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI_CLASS}\ud800-\udfff]")
_UNSAFE_LINE = re.compile(rf"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI_CLASS}\ud800-\udfff]")
_BIDI = re.compile(f"[{_BIDI_CLASS}]")


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␀ ␇ ␍ ␛ …
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\u27eeU+{code:04X}\u27ef"  # ⟮U+202E⟯


def _shown_in_line(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\n":
        return "\u23ce"  # ⏎: a one-line cell shows where the text had a line break
    if char == "\t":
        return " "
    return _shown(match)


def inert(value: Any) -> Any:
    """User text that is safe to print anywhere: every control character shown, none sent.

    Newlines and tabs stay (notes have lines); a CR-LF pair is one newline. Non-text passes through."""
    return _made_inert(value, _UNSAFE, _shown)


def inert_line(value: Any) -> Any:
    """`inert` for one line (a table cell, a title, a label): a line break is shown as ⏎."""
    return _made_inert(value, _UNSAFE_LINE, _shown_in_line)


def _made_inert(value: Any, unsafe: re.Pattern[str], shown: Callable[[re.Match[str]], str]) -> Any:
    if not isinstance(value, str):
        return value
    if "\r\n" in value:
        value = value.replace("\r\n", "\n")
    return unsafe.sub(shown, value) if unsafe.search(value) else value


def has_unsafe(value: str) -> bool:
    """Whether `inert` would change the text (a control character, a bidi control, a lone surrogate)."""
    return bool(_UNSAFE.search(value.replace("\r\n", "\n")))


def has_unsafe_line(value: str) -> bool:
    """Whether `inert_line` would change the text."""
    return bool(_UNSAFE_LINE.search(value))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0D: "CR", 0x1B: "ESC", 0x7F: "DEL", 0x9B: "CSI"}


def find_control(value: str) -> str | None:
    """The first control character in `value` other than tab, newline and CR-LF, named
    (`U+0000 (NUL)`), or None."""
    match = _CONTROL.search(value)
    if match is None:
        return None
    code = ord(match.group())
    name = _CONTROL_NAMES.get(code)
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def find_bidi(value: str) -> str | None:
    """The first bidirectional control in `value`, named (`U+202E`), or None."""
    match = _BIDI.search(value)
    return None if match is None else f"U+{ord(match.group()):04X}"


def inert_json(value: Any, **dumps: Any) -> str:
    """JSON that keeps every character (it parses back to exactly what was stored) but carries no raw
    control, C1 or bidi character: those are written as \\uXXXX escapes."""
    return json_inert(json.dumps(value, ensure_ascii=False, **dumps))


def json_inert(text: str) -> str:
    """Already-encoded JSON with any raw C1, bidi or separator character written as a \\uXXXX escape
    (JSON escapes C0 controls itself; these it leaves raw). Every string parses back unchanged."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _UNSAFE.search(text) else text


# Markdown: characters that can open markup anywhere in a line (emphasis, code, links, images, HTML,
# autolinks, entities, tables, strikethrough) are escaped with a backslash; CommonMark allows one before
# any ASCII punctuation, so each renders as itself. Block markers only count at a line's start.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]<>#&|~])")
_MD_BLOCK_START = re.compile(r"^([-+=]|\d+[.)])")
# What a wiki's or chat's autolinker (GFM, linkify) turns into a link: a scheme's "://", a "." inside a
# domain ("tracker.com", "www.x"), an "@" (emails, mentions). Each gets a backslash too, which renders
# as nothing but stops the autolinker.
_MD_AUTOLINK = re.compile(r"(:(?=//)|(?<=\w)\.(?=\w)|@)")


def markdown_text(value: Any) -> str:
    """User text for Markdown (or a chat format that reads Markdown): rendered, it shows the same
    characters and nothing else — no image, link, HTML, heading, list item, quote, rule or fence.

    Each line is escaped on its own, so no line of it can open a block; the blanks that start a
    line go (four of them would make a code block). Lines stay soft line breaks."""
    text = inert("" if value is None else str(value))
    lines = []
    for line in text.split("\n"):
        escaped = _MD_INLINE.sub(r"\\\1", line if not line.strip() else line.lstrip(" \t"))
        escaped = _MD_AUTOLINK.sub(r"\\\1", escaped)
        match = _MD_BLOCK_START.match(escaped)
        if match:
            marker = match.group()
            escaped = marker[:-1] + "\\" + marker[-1] + escaped[len(marker) :]
        lines.append(escaped)
    return "\n".join(lines)


# Slack's mrkdwn has no escape but &amp; &lt; &gt;: *bold*, _italic_, ~strike~ and `code` count only
# where the marker stands next to a space, punctuation or the line's end, and links are found by an
# autolinker. A word joiner (U+2060: invisible, zero width, no line break) beside each marker and inside
# each "://", domain "." and "@" keeps them from pairing or linking; the reader sees the same text.
WORD_JOINER = "\u2060"
_SLACK_MARKERS = re.compile(r"[*_~`]")
_SLACK_AUTOLINK = re.compile(r"(:(?=//)|(?<=\w)\.(?=\w)|@)")


def slack_text(value: Any) -> str:
    """User text for Slack's mrkdwn: shown as typed, never as formatting, a link, a mention or a quote."""
    text = inert("" if value is None else str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SLACK_MARKERS.sub(lambda m: f"{WORD_JOINER}{m.group()}{WORD_JOINER}", text)
    text = _SLACK_AUTOLINK.sub(lambda m: f"{m.group()}{WORD_JOINER}", text)
    # A quote opens only at a line's start (Slack reads "&gt;" there as ">").
    return re.sub(r"(?m)^(?=&gt;)", WORD_JOINER, text)
