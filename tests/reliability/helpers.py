"""Shared checks for the reliability suite: run the CLI, inspect a file's integrity and its audit log."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Long runs are opt-in: MEDIATE_SOAK=1 multiplies every bounded count in the suite.
SOAK = os.environ.get("MEDIATE_SOAK", "") not in ("", "0")


def soak(default: int, long: int) -> int:
    return long if SOAK else default


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MEDIATE_DB",)}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def hooked(tmp_path: Path, code: str) -> str:
    """A PYTHONPATH under which a `mediate` started by the test runs `code` first (Python imports
    `sitecustomize` as it starts): a bug planted, a kill or a Ctrl+C at a moment made certain."""
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(code, encoding="utf-8")
    return f"{hook}{os.pathsep}{REPO}"


def mediate(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs `mediate` in its own process, as a user would, with the user's data dir out of reach."""
    return subprocess.run(
        [PYTHON, "-m", "mediation_console", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(**env),
        cwd=REPO,
    )


def start_mediate(*args: str, **env: str) -> subprocess.Popen[str]:
    """Starts `mediate` in its own process and returns at once (to kill it, or to work beside it)."""
    return subprocess.Popen(
        [PYTHON, "-m", "mediation_console", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(**env),
        cwd=REPO,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    out = result.stdout + result.stderr
    assert result.returncode == code, f"exit {result.returncode}: {out}"
    assert "Traceback" not in out, out
    for word in words:
        assert word.lower() in out.lower(), out


def fingerprint(path: Path) -> tuple[str, int, int]:
    """The file's content hash, size and mode: 'no change to the file' means all three equal."""
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data), os.stat(path).st_mode


def integrity(path: Path) -> str:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def audit_problems(conn: sqlite3.Connection) -> list[str]:
    """Every stored record has exactly one audit row that created it ('create', or 'import' for rows a
    CSV import wrote in bulk), and no audit row names a record that does not exist."""
    problems = []
    for entity, table in (
        ("requisition", "requisitions"),
        ("pipeline_event", "pipeline_events"),
        ("dispute", "disputes"),
        ("commitment", "commitments"),
        ("person", "people"),
        ("expectation", "expectations"),
        ("standup", "standups"),
    ):
        missing = conn.execute(
            f"SELECT t.id FROM {table} t WHERE (SELECT COUNT(*) FROM events e WHERE e.entity = ? "
            "AND e.action IN ('create', 'import') AND e.entity_id = t.id) != 1",
            (entity,),
        ).fetchall()
        if missing:
            problems.append(f"{len(missing)} {table} without exactly one audit 'create' (e.g. {missing[0][0]})")
        orphans = conn.execute(
            f"SELECT e.entity_id FROM events e WHERE e.entity = ? AND e.entity_id NOT IN (SELECT id FROM {table})",
            (entity,),
        ).fetchall()
        if orphans:
            problems.append(f"{len(orphans)} audit rows for {entity} records that do not exist")
    return problems
