"""rule-engine's parser tables, worked out once and shipped, so importing the rules takes ~70 ms, not ~330.

rule-engine builds its parser as it is imported, with PLY, and PLY works out the grammar's LALR tables
every time (~270 ms of pure Python at the console's start, in a worker whose hold on Python's lock slows
every screen's first visit made meanwhile). PLY first looks for the tables in a module beside the
parser (`rule_engine.parser.parsetab`), and uses them only if their signature (a digest of the
grammar) is the one it works out: `install` has Python answer that import from `parser_tables.json`. An upgrade of
rule-engine that changes its grammar finds them stale, and PLY builds its tables as before (slower,
never wrong); `python scripts/parser_tables.py` writes them again.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import sys
import types
from importlib import resources
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

TABLES_FILE = "parser_tables.json"
# Where PLY looks for them: its default table module name in the package of rule-engine's parser.
TABLE_MODULE = "rule_engine.parser.parsetab"


class _Tables(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers PLY's import of its table module with the shipped tables, read only when PLY asks for
    them; last on Python's list of finders, so a real table module would be found before them."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        return importlib.util.spec_from_loader(fullname, self) if fullname == TABLE_MODULE else None

    def create_module(self, spec: ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        try:
            data = json.loads(resources.files(__package__).joinpath(TABLES_FILE).read_text(encoding="utf-8"))
            fill(module, data)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # PLY then works the tables out itself
            raise ImportError(f"rule-engine's parser tables could not be read: {exc}", name=TABLE_MODULE) from exc


_FINDER = _Tables()


def install() -> None:
    """Offers the shipped tables to PLY (once; before or after rule-engine is imported, harmless)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.append(_FINDER)


def fill(module: types.ModuleType, data: dict[str, Any]) -> None:
    """Gives `module` the names PLY reads its tables from (those of a `parsetab` it writes)."""
    module._tabversion = str(data["tabversion"])  # type: ignore[attr-defined]
    module._lr_method = str(data["method"])  # type: ignore[attr-defined]
    module._lr_signature = str(data["signature"])  # type: ignore[attr-defined]
    module._lr_action = _by_state(data["action"])  # type: ignore[attr-defined]
    module._lr_goto = _by_state(data["goto"])  # type: ignore[attr-defined]
    module._lr_productions = [tuple(p) for p in data["productions"]]  # type: ignore[attr-defined]


def _by_state(items: dict[str, list[list[Any]]]) -> dict[int, dict[str, int | None]]:
    """{symbol: [states, values]} (PLY's compact form) to {state: {symbol: value}} (a value None: an
    error entry, as PLY marks a non-associative operator met twice). An entry cut short: ValueError."""
    table: dict[int, dict[str, int | None]] = {}
    for symbol, (states, values) in items.items():
        for state, value in zip(states, values, strict=True):
            table.setdefault(int(state), {})[symbol] = None if value is None else int(value)
    return table


def _compact(table: dict[int, dict[str, int | None]]) -> dict[str, list[list[int | None]]]:
    items: dict[str, list[list[int | None]]] = {}
    for state, row in sorted(table.items()):
        for symbol, value in row.items():
            entry = items.setdefault(symbol, [[], []])
            entry[0].append(state)
            entry[1].append(value)
    return dict(sorted(items.items()))


def current_tables() -> dict[str, Any]:
    """The installed rule-engine's tables, as PLY writes them for rule-engine's parser (its own table
    module, read back), with the signature PLY checks them by."""
    import tempfile

    from rule_engine import __version__ as version
    from rule_engine._vendor.ply import yacc  # rule-engine's own copy of PLY
    from rule_engine.parser import Parser

    with tempfile.TemporaryDirectory() as folder:
        # A table module name nothing answers, so PLY works the tables out (not reading the shipped ones).
        fresh = "fresh_parsetab"
        yacc.yacc(module=Parser(), debug=False, write_tables=True, outputdir=folder, tabmodule=fresh)
        written: dict[str, Any] = {}
        exec((Path(folder) / f"{fresh}.py").read_text(encoding="utf-8"), written)  # PLY's own output
    return {
        "rule_engine": version,
        "tabversion": written["_tabversion"],
        "method": written["_lr_method"],
        "signature": written["_lr_signature"],
        "action": _compact(written["_lr_action"]),
        "goto": _compact(written["_lr_goto"]),
        "productions": [list(p) for p in written["_lr_productions"]],
    }


def write(path: Path | None = None) -> Path:
    target = path or Path(__file__).with_name(TABLES_FILE)
    target.write_text(json.dumps(current_tables(), separators=(",", ":")) + "\n", encoding="utf-8")
    return target
