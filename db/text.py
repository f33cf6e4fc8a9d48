"""Making user text inert before it leaves the console: no terminal escapes or control characters."""

from __future__ import annotations

import re
from typing import Any

# ESC-introduced sequences (CSI, OSC, DCS and two-byte escapes), then any remaining control
# character except newline and tab, and the bidirectional overrides that reorder what a reader sees.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC / DCS / SOS / PM / APC up to BEL or ST
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def inert(value: Any) -> Any:
    """User text made safe to print: terminal escape sequences and control characters removed."""
    if not isinstance(value, str):
        return value
    return _CONTROLS.sub("", _ESCAPES.sub("", value.replace("\r\n", "\n").replace("\r", "\n")))
