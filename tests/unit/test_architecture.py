"""The headless core stays headless: db/, console/rules, agenda and notes never pull in Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADLESS = ["db", "console/core"]


def headless_files() -> list[Path]:
    files: list[Path] = []
    for entry in HEADLESS:
        path = ROOT / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else [])
    return files


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_headless_module_imports_textual_or_screens():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m
            for m in imported_modules(path)
            if m.split(".")[0] == "textual" or m.startswith("mediation_console.screens")
        )
        for path in headless_files()
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(headless_files()) >= 4


def test_db_never_imports_the_console_or_the_screens():
    for path in sorted((ROOT / "db").rglob("*.py")):
        assert not {
            m
            for m in imported_modules(path)
            if m.startswith(("mediation_console.console", "mediation_console.screens"))
        }, path


def test_importing_the_headless_core_does_not_load_textual():
    modules = ["mediation_console.db.store", "mediation_console.db.models"] + [
        ".".join(("mediation_console", *p.relative_to(ROOT).with_suffix("").parts))
        for p in headless_files()
        if p.name != "__init__.py"
    ]
    code = (
        "import importlib, sys\n"
        + "".join(f"importlib.import_module({m!r})\n" for m in modules)
        + ("print('textual' in sys.modules)")
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_screens_never_run_sql():
    for path in sorted((ROOT / "screens").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert ".execute(" not in text and "executemany(" not in text, path
