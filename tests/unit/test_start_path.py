"""What `mediate` loads before it can show the queue: the rules engine waits until something grades."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("rule_engine", "mediation_console.console.core.rules.service")


def test_starting_the_console_does_not_load_the_rules_engine() -> None:
    # A fresh interpreter imports what `mediate` imports to start the console (the CLI and the app);
    # none of the rules machinery may come with it, or every start waits for rule-engine's parser.
    code = (
        "import sys, mediation_console.console.cli, mediation_console.console.app; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == ""
