"""The lead's own keys: the settings file's `keymap` section (command id -> key), checked before Textual applies it.

Every command in the registry (screens/commands.py) has an id ("queue.new", "app.help"); Textual's
`App.set_keymap` rebinds a binding by that id, and the footer, the help screen and the palette all
show the key it now has. An entry that cannot be applied (an unknown id, a key Textual has no name
for, a key another command in the same place already uses) is left out and said in one line each.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from textual.keys import Keys, _character_to_key

from mediation_console.screens.commands import GLOBAL_AREAS, Command, all_commands

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
# Textual's names for the keys that are not characters ("f1", "enter", "pageup", "space"...).
NAMED_KEYS = frozenset(k.value for k in Keys if "+" not in k.value and not k.value.startswith("<"))
# And its names for the punctuation a key types ("question_mark", "slash", "plus", "full_stop"...).
CHARACTER_NAMES = frozenset(_character_to_key(chr(code)) for code in range(33, 127))


@dataclass
class KeymapCheck:
    """What can be applied (id -> Textual key string) and one line per entry that cannot."""

    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def key_problem(key: str) -> str | None:
    """Why `key` (one key, e.g. "ctrl+shift+x", "f5", "?", "question_mark") is not a key, or None."""
    if not key:
        return "an empty key"
    if len(key) == 1:
        return None if key.isprintable() else "not a printable character"
    *modifiers, base = key.split("+")
    if base == "" and key.endswith("+"):
        return "a key after the '+' is missing (the plus key is 'plus')"
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        return f"'{unknown[0]}' is not a modifier (ctrl, shift, alt, meta, super, hyper)"
    if len(base) == 1 and base.isprintable():
        return None
    if base in NAMED_KEYS or base in CHARACTER_NAMES:
        return None
    names = sorted(NAMED_KEYS | CHARACTER_NAMES)
    close = [base.lower()] if base.lower() in names else difflib.get_close_matches(base, names, n=1, cutoff=0.6)
    hint = f" — did you mean '{close[0]}'?" if close else ""
    return f"'{base}' is not a key name{hint}"


def normalized(keys: str) -> list[str]:
    """Textual's long form of a comma-separated key list ("?" -> "question_mark"), as its bindings hold them."""
    return [_character_to_key(k) if len(k) == 1 else k for k in (part.strip() for part in keys.split(","))]


def _scopes_overlap(a: Command, b: Command) -> bool:
    return a.area in GLOBAL_AREAS or b.area in GLOBAL_AREAS or a.area == b.area


def check_keymap(raw: Any, commands: Iterable[Command] | None = None) -> KeymapCheck:
    """Checks the settings' `keymap` value: a table of command id -> key (or keys, comma-separated or a list)."""
    check = KeymapCheck()
    if raw is None:
        return check
    if not isinstance(raw, Mapping):
        check.problems.append(
            'keymap: expected a table of command id -> key, e.g. {"queue.new": "a"}; ' + f"got {type(raw).__name__}"
        )
        return check
    known = {command.id: command for command in (all_commands() if commands is None else commands)}
    wanted: dict[str, list[str]] = {}
    for binding_id, value in raw.items():
        where = f"keymap '{binding_id}'"
        if binding_id not in known:
            close = difflib.get_close_matches(str(binding_id), sorted(known), n=1, cutoff=0.6)
            hint = (
                f" — did you mean '{close[0]}'?"
                if close
                else " (the help screen, ?, lists the keys; README names the ids)"
            )
            check.problems.append(f"{where}: no command has this id{hint}")
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ",".join(value)
        if not isinstance(value, str) or not value.strip():
            check.problems.append(f'{where}: expected a key such as "a", "f5" or "ctrl+r"; got {value!r}')
            continue
        keys = [part.strip() for part in value.split(",")]
        problems = [f"'{k}': {p}" for k in keys if (p := key_problem(k))]
        if problems:
            check.problems.append(f"{where}: {'; '.join(problems)}; kept {known[binding_id].shown_key}")
            continue
        wanted[binding_id] = normalized(value)
    # A key another command in the same place already answers to would take it over silently (Textual
    # drops the other binding): refuse the rebinding instead and name the command that has the key.
    effective = {c.id: wanted.get(c.id, normalized(c.key) if c.key else []) for c in known.values()}
    for binding_id, keys in wanted.items():
        command = known[binding_id]
        # Every command the key clashes with, by id (which of them was registered first depends on
        # the order the screens were imported in, so naming only the first would vary).
        clashes = sorted(
            (
                (key, other.id, other.name)
                for other in known.values()
                if other.id != binding_id and _scopes_overlap(command, other)
                for key in keys
                if key in effective[other.id]
            ),
            key=lambda clash: (keys.index(clash[0]), clash[1]),
        )
        if clashes:
            key = clashes[0][0]
            named = [f"'{other_id}' ({name})" for k, other_id, name in clashes if k == key]
            owners = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
            check.problems.append(
                f"keymap '{binding_id}': '{key}' is already the key of {owners}; kept {command.shown_key}"
            )
            effective[binding_id] = normalized(command.key) if command.key else []
            continue
        check.keymap[binding_id] = ",".join(keys)
    return check
