"""Writes rule-engine's parser tables for the installed rule-engine into the package
(console/core/rules/parser_tables.json; tests/unit/test_parser_tables.py says when they are stale)."""

from mediation_console.console.core.rules.parser_tables import write

if __name__ == "__main__":
    print(f"rule-engine's parser tables written to {write()}")
