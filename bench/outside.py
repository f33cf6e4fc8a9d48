"""Running the real `mediate` (and its anchors) as a person would: a subprocess, its wall time and its own peak memory.

Nothing here imports the console: every figure is a command a user can type, timed from spawn to
exit, with the process's peak resident memory read from outside (/proc/<pid>/status VmHWM, polled
while it runs: VmHWM only grows, so the last reading before exit is the peak to within one poll).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import CACHE, migrate_cached

ROOT = Path(__file__).resolve().parent.parent
MEDIATE = str(ROOT / ".venv" / "bin" / "mediate") if (ROOT / ".venv" / "bin" / "mediate").exists() else "mediate"
# Another build timed by this harness, e.g. a checkout from before a change (`MEDIATE_BENCH_MEDIATE=
# ../before/.venv/bin/mediate`, with a MEDIATE_BENCH_CACHE whose demo files that build generated: they
# are used as they are, never migrated to this tree's schema). The black-box module only.
OTHER_MEDIATE = os.environ.get("MEDIATE_BENCH_MEDIATE") or None
POLL_SECONDS = 0.02
KEPT_CACHE = CACHE / "console-cache"


def sandbox_env() -> dict[str, str]:
    """The user's environment with private config and data folders (never their settings or rule pack)."""
    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = str(CACHE / "config")
    env["XDG_DATA_HOME"] = str(CACHE / "data")
    env["HOME"] = str(CACHE / "home")  # VisiData keeps its history and config under $HOME
    env["MEDIATE_CACHE_DIR"] = str(KEPT_CACHE)  # the console's kept tallies (a cold launch empties it)
    env.pop("MEDIATE_DB", None)
    for folder in ("config", "data", "home"):
        (CACHE / folder).mkdir(parents=True, exist_ok=True)
    return env


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stderr: str


def run(
    argv: Sequence[str],
    *,
    stdout_path: Path | None = None,
    stdin_text: str | None = None,
    timeout: float = 3600.0,
    env: dict[str, str] | None = None,
) -> Run:
    """Runs `argv` to its end; wall seconds from spawn to exit and its peak RSS (VmHWM) in MB."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    try:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
            env=env or sandbox_env(),
            cwd=ROOT,
        )
        if stdin_text is not None:
            assert process.stdin is not None
            process.stdin.write(stdin_text.encode())
            process.stdin.close()
        peak = 0.0
        status = Path(f"/proc/{process.pid}/status")
        while process.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
                        break
            except (OSError, ValueError):
                pass
            if time.perf_counter() - start > timeout:
                process.kill()
                raise TimeoutError(f"{argv[0]} ran past {timeout:.0f} s")
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - start
        assert process.stderr is not None
        stderr = process.stderr.read().decode(errors="replace")
        process.stderr.close()
        return Run(seconds, peak, process.returncode, stderr)
    finally:
        if stdout_path:
            out.close()  # type: ignore[union-attr]


def checked(argv: Sequence[str], **kwargs: object) -> Run:
    result = run(argv, **kwargs)  # type: ignore[arg-type]
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return result


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# -- the 1,000,000-requisition database, built once by the real command ----------------------------


def generated(size: int) -> tuple[Path, dict[str, float | str]]:
    """The cached demo database of `size` requisitions, built by `mediate demo` if missing, and what building it cost.

    The cost is kept beside the database (`demo-N.json`): generation is itself a figure, measured once
    when the cache is filled (17 min at 1,000,000 on the shared 2-core machine, see README), not on
    every run.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"demo-{size}.db"
    record = CACHE / f"demo-{size}.json"
    if path.exists() and record.exists():
        if not OTHER_MEDIATE:
            # Brought up to this tree's schema before anything is timed: the first command to open an
            # older file would otherwise back all 10 GB of it up inside its own figure.
            migrate_cached(path)
        return path, json.loads(record.read_text())
    free_gb = shutil.disk_usage(CACHE).free / 1e9
    need_gb = 9.0 * size / 1_000_000 + 1
    if free_gb < need_gb * 1.5:
        raise RuntimeError(
            f"{free_gb:.0f} GB free where the bench cache is; a {size:,}-requisition database "
            f"needs about {need_gb:.0f} GB: free some space or set MEDIATE_BENCH_CACHE"
        )
    tmp = CACHE / f"demo-{size}.building.db"
    remove_db(tmp)
    result = checked([MEDIATE, "demo", "--requisitions", str(size), "--db", str(tmp)], timeout=4 * 3600)
    remove_db(path)
    shutil.move(tmp, path)
    figures: dict[str, float | str] = {
        "seconds": round(result.seconds, 1),
        "peak_mb": round(result.peak_mb),
        "file_gb": round(path.stat().st_size / 1e9, 2),
        "built": time.strftime("%Y-%m-%d %H:%M"),
        "load": os.getloadavg()[0],
    }
    record.write_text(json.dumps(figures))
    return path, figures
