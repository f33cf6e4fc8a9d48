"""What Slack would show wrongly in a text meant for it: the mrkdwn check the Slack exports are held to."""

from __future__ import annotations

import re


def mrkdwn_problems(text: str) -> list[str]:
    """What Slack would show wrongly: Markdown's ** bold, # headings, raw & < > that are no valid <url|text> link."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if "**" in line:
            problems.append(f"line {number}: ** is not bold in Slack: {line!r}")
        if re.match(r"\s*#{1,6}\s", line):
            problems.append(f"line {number}: Slack shows # headings literally: {line!r}")
        rest = re.sub(r"<(https?://[^|<>\s]+)(\|[^<>]+)?>", "", line)  # Slack's links
        rest = re.sub(r"&(amp|lt|gt);", "", rest)
        for ch in "<>&":
            if ch in rest:
                problems.append(f"line {number}: unescaped {ch!r} (Slack reads it as markup): {line!r}")
        for bold in re.findall(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", line):
            if bold != bold.strip():
                problems.append(f"line {number}: Slack bolds only *text* without inner spaces at the ends: {bold!r}")
    return problems


# A model of how Slack reads mrkdwn, for checking that user text carries none of it: *bold*, _italic_,
# ~strike~ and `code` pair only where each marker stands next to a space, ASCII punctuation or the
# line's end (Slack's word-boundary rule); ``` opens a block anywhere; a line starting with > or &gt;
# is a quote; <...> is a link or mention; bare URLs, domains and emails are found as linkify-it finds
# them (the autolinker of markdown-it; Slack's own is not published).
_EDGE = r"\s!-/:-@\[-`{-~"  # whitespace and ASCII punctuation
SLACK_SPANS = {
    name: re.compile(rf"(?<![^{_EDGE}]){re.escape(m)}(?=[^\s{re.escape(m)}])[^\n]*?(?<=\S){re.escape(m)}(?![^{_EDGE}])")
    for name, m in (("bold", "*"), ("italic", "_"), ("strike", "~"), ("code", "`"))
}


def slack_markup(text: str) -> dict[str, int]:
    """How many of each piece of formatting Slack would find in `text` (see the model above)."""
    from linkify_it import LinkifyIt

    counts = {name: len(pattern.findall(text)) for name, pattern in SLACK_SPANS.items()}
    counts["pre"] = text.count("```")
    counts["quote"] = len(re.findall(r"(?m)^(?:>|&gt;)", text))
    counts["link or mention"] = text.count("<")
    unlinked = re.sub(r"<[^<>]*>", " ", text)
    counts["autolink"] = len(LinkifyIt().match(unlinked) or [])
    return counts
