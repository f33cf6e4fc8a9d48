"""rule-engine's parser tables, shipped (console/core/rules/parser_tables.py): PLY reads them instead of
working them out (~270 ms of the rules' import), they are the tables it would work out, and tables that
do not fit (an upgraded grammar, a damaged file) are left for PLY to work out as before.

Each case runs in a fresh Python: rule-engine builds its parser once, as it is imported."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from mediation_console.console.core.rules import parser_tables
from tests.reliability.helpers import REPO

SHIPPED = Path(parser_tables.__file__).with_name(parser_tables.TABLES_FILE)

# Imports the rules as the console does, checks rules parse, and says whether PLY read its tables (they
# are then MiniProduction records, as a table module gives) or worked them out (Production objects).
PROBE = """
import sys
{prepare}
import mediation_console.console.core.rules.conditions
import rule_engine
assert rule_engine.Rule('a > 1 and b =~ "x.*" and c in [1, 2]').matches({{"a": 2, "b": "xy", "c": 2}})
assert not rule_engine.Rule('a > 1 ? false : true').matches({{"a": 2}})
kinds = {{type(p).__name__ for p in rule_engine.Rule.parser._parser.productions}}
print("read" if kinds == {{"MiniProduction"}} else "worked out" if kinds == {{"Production"}} else kinds)
"""


def _tables(prepare: str = "") -> str:
    """Whether PLY read its tables or worked them out while a fresh Python imported the console's rules."""
    code = textwrap.dedent(PROBE).format(prepare=textwrap.dedent(prepare))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr == ""  # PLY warns on stderr about a table file it could not use: none here
    return result.stdout.strip()


def test_the_shipped_tables_are_read_and_not_worked_out():
    assert _tables() == "read"


def test_the_shipped_tables_are_the_ones_ply_works_out_for_the_installed_rule_engine():
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    now = parser_tables.current_tables()
    # Stale (rule-engine upgraded, its grammar changed): run
    #   .venv/bin/python scripts/parser_tables.py
    assert {k: v for k, v in shipped.items() if k != "rule_engine"} == {
        k: v for k, v in now.items() if k != "rule_engine"
    }, f"the shipped tables were made for rule-engine {shipped['rule_engine']}; {now['rule_engine']} is installed"


def test_tables_for_another_grammar_are_left_and_ply_works_them_out():
    # As after an upgrade of rule-engine: the signature PLY checks them by is not its grammar's.
    stale = f"""
    import json, types
    from mediation_console.console.core.rules import parser_tables
    data = json.loads(open({str(SHIPPED)!r}, encoding="utf-8").read())
    data["signature"] = "another grammar"
    module = types.ModuleType(parser_tables.TABLE_MODULE)
    parser_tables.fill(module, data)
    sys.modules[parser_tables.TABLE_MODULE] = module
    """
    assert _tables(stale) == "worked out"


def test_a_damaged_tables_file_is_left_and_ply_works_them_out(tmp_path):
    damaged = tmp_path / parser_tables.TABLES_FILE
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    symbol = next(iter(shipped["action"]))
    shipped["action"][symbol][1] = shipped["action"][symbol][1][:-1]  # cut short
    damaged.write_text(json.dumps(shipped), encoding="utf-8")
    elsewhere = f"""
    from importlib import resources
    from mediation_console.console.core.rules import parser_tables
    import pathlib
    parser_tables.resources = type("R", (), {{"files": staticmethod(lambda package: pathlib.Path({str(tmp_path)!r}))}})
    """
    assert _tables(elsewhere) == "worked out"
