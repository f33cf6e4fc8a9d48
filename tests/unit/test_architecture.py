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


# -- screens write through the core --------------------------------------------------------------

UI = ["screens", "console/app.py"]


def store_writers() -> set[str]:
    """The Store's methods that write: those that open `transaction()` or call one that does (found from
    the source of every class the Store is composed of, so a new write method is covered as it is added)."""
    import inspect

    from mediation_console.db.store import Store

    calls: dict[str, set[str]] = {}
    for cls in Store.__mro__:
        if not cls.__module__.startswith("mediation_console.db.store"):
            continue
        (node,) = ast.parse(inspect.getsource(cls)).body
        assert isinstance(node, ast.ClassDef)
        for method in node.body:
            if isinstance(method, ast.FunctionDef):
                calls.setdefault(method.name, set()).update(
                    call.func.attr
                    for call in ast.walk(method)
                    if isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == "self"
                )
    writers = {"transaction"}
    while grown := {name for name, called in calls.items() if name not in writers and called & writers}:
        writers |= grown
    return writers


def store_writes_in(source: str, writers: set[str]) -> list[str]:
    """Each use of a Store write method in `source`: called (`store.update_person(p)`) or handed on
    (`PersonForm(..., store.add_person)`), whatever the store is called there."""
    return [
        f"line {node.lineno}: .{node.attr}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in writers
    ]


def ui_files() -> list[Path]:
    files: list[Path] = []
    for entry in UI:
        path = ROOT / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def test_the_store_writers_are_found_from_its_source():
    writers = store_writers()
    # Writes of every kind: an insert, an update, a status move, a bulk load, a transaction itself.
    assert {"add_person", "update_person", "start_standup", "resolve_dispute", "set_commitment_status"} <= writers
    assert {"record_placement", "insert_staged_requisitions", "set_derived", "transaction"} <= writers
    # and no read.
    assert not {"list_people", "running_standup", "get_requisition", "query_queue", "people_by_id"} & writers
    assert store_writes_in("saved = self.services.store.update_person(person)", writers) == ["line 1: .update_person"]
    assert store_writes_in("PersonForm(None, people, store.add_person)\nwith s.transaction(): pass", writers) == [
        "line 1: .add_person",
        "line 2: .transaction",
    ]
    assert store_writes_in("store.list_people()\nsave_person(store, person)", writers) == []


def test_screens_and_the_app_never_write_through_the_store():
    """Every write goes through a core function (console/core/*_writes.py, meeting.py, team.py), which
    keeps the domain's rules for every caller: a screen only reads the Store."""
    writers = store_writers()
    found = {
        str(path.relative_to(ROOT)): store_writes_in(path.read_text(encoding="utf-8"), writers) for path in ui_files()
    }
    assert {path: uses for path, uses in found.items() if uses} == {}
    assert len(found) >= 20
