"""Where an unexpected problem's details go: a private log file, never the user's terminal.

A traceback names files and lines and, through exception messages, can carry record data (a title,
a name). The user sees one short line naming the kind of problem and this file; the file (0600, in a
0700 folder) keeps everything a developer needs.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path

import platformdirs

from mediation_console.db import safe_file

APP_NAME = "mediation-console"


def log_dir() -> Path:
    override = os.environ.get("MEDIATE_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def record_crash(error: BaseException, context: str = "") -> Path | None:
    """Writes `error` with its traceback to a new private file; returns its path (None if it could not)."""
    try:
        folder = safe_file.ensure_private_dir(log_dir())
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = safe_file.unique_path(folder / f"crash-{stamp}.log")
        details = "".join(traceback.format_exception(error))
        return safe_file.write_file(target, f"{context}\n{details}" if context else details, what="crash log")
    except Exception:  # the log is best effort: a failure to write it must not hide the first problem
        return None


def crash_line(error: BaseException, where: Path | None, doing: str = "mediate") -> str:
    """The one line the user reads: what kind of problem, and where its details are."""
    details = f"details are in {where}" if where is not None else "its details could not be written"
    return f"{doing} stopped on an unexpected problem ({type(error).__name__}); {details}"
