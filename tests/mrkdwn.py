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
