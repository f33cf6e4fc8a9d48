"""Who is writing, and who waits: a long write (an import, a regrade, a repair) says so in a small file
beside the database while it runs, so a console save that has to wait can tell the lead what it waits
for; a write that finds the lock taken says so too (`waiting`), so the long write lets it in at the end
of its current short transaction (db/short_transactions.py) instead of pausing after every one.

SQLite cannot say which process holds its write lock. A long writer therefore leaves
`<database>-writer-<pid>` (mode 0600, its words in it: "an import") for as long as it runs; a
reader believes a note only while the process that left it still runs, so one left by a killed
import is ignored (and removed). The notes are advice: a folder that cannot be written just means
the wait is described as "another program".
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mediation_console.db.safe_file import pid_alive
from mediation_console.db.text import find_bidi

_MARK = "-writer-"
_LONGEST = 60  # characters of a note believed


_WAITING = "-waiting-"


def _key(database: str | os.PathLike[str]) -> Path | None:
    """The database's resolved path, or None for one in memory: it has no folder to leave notes in."""
    return None if str(database) in ("", ":memory:") else Path(database).resolve()


def _note_path(database: Path, pid: int, mark: str = _MARK) -> Path:
    return database.with_name(f"{database.name}{mark}{pid}")


def _live_notes(database: Path, mark: str) -> Iterator[os.DirEntry[str]]:
    """The `mark` notes beside `database` of processes that still run; those of processes gone are removed."""
    prefix = database.name + mark
    with contextlib.suppress(OSError), os.scandir(database.parent) as entries:
        for entry in entries:
            pid_text = entry.name[len(prefix) :]
            if not entry.name.startswith(prefix) or not pid_text.isdigit():
                continue
            if pid_alive(int(pid_text)):
                yield entry
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


# This process's long writes in progress, per database: the innermost is what its note says.
_OURS: dict[Path, list[str]] = {}
_LOCK = threading.Lock()


def _write_note(path: Path, what: str) -> None:
    part = path.with_name(path.name + ".part")
    with contextlib.suppress(OSError):
        part.unlink(missing_ok=True)
        fd = os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            os.write(fd, what.encode("utf-8"))
        finally:
            os.close(fd)
        os.replace(part, path)


@contextmanager
def announce(database: str | os.PathLike[str], what: str) -> Iterator[None]:
    """While the block runs, a console waiting to write to `database` is told it waits for `what`
    ("an import"); nested announcements say the innermost."""
    key = _key(database)
    if key is None:
        yield
        return
    path = _note_path(key, os.getpid())
    with _LOCK:
        stack = _OURS.setdefault(key, [])
        stack.append(what)
        _write_note(path, what)
    try:
        yield
    finally:
        with _LOCK:
            stack.remove(what)
            if stack:
                _write_note(path, stack[-1])
            else:
                _OURS.pop(key, None)
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)


# This process's writes waiting for each database's write lock (several threads may wait at once).
_WAITS: dict[Path, int] = {}


@contextmanager
def waiting(database: str | os.PathLike[str]) -> Iterator[None]:
    """While the block runs, a write of this process waits for `database`'s write lock: a note beside
    the database (`<database>-waiting-<pid>`) says so to the long writes of any process."""
    key = _key(database)
    if key is None:
        yield
        return
    path = _note_path(key, os.getpid(), _WAITING)
    with _LOCK:
        count = _WAITS.get(key, 0)
        _WAITS[key] = count + 1
        if not count:
            _write_note(path, "waiting for the write lock")
    try:
        yield
    finally:
        with _LOCK:
            count = _WAITS.pop(key) - 1
            if count:
                _WAITS[key] = count
            else:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)


def someone_waits(database: str | os.PathLike[str]) -> bool:
    """Whether a write of a running process (this one included) waits for `database`'s write lock;
    notes of processes that are gone are removed."""
    key = _key(database)
    if key is None:
        return False
    with _LOCK:
        if _WAITS.get(key):
            return True
    return any(True for _note in _live_notes(key, _WAITING))


def current_writers(database: str | os.PathLike[str]) -> list[str]:
    """What the long writes running on `database` say they are (notes of processes that are gone are
    removed), most recent first; empty when none has said so."""
    key = _key(database)
    found: list[tuple[float, str]] = []
    for entry in () if key is None else _live_notes(key, _MARK):
        with contextlib.suppress(OSError):
            if not entry.is_file(follow_symlinks=False):
                continue
            with open(entry.path, "rb") as handle:
                text = handle.read(_LONGEST * 4).decode("utf-8", "replace")
            words = " ".join(text.split())[:_LONGEST]
            if words and words.isprintable() and find_bidi(words) is None:
                found.append((entry.stat(follow_symlinks=False).st_mtime, words))
    return [words for _when, words in sorted(found, reverse=True)]


__all__ = ["announce", "current_writers", "someone_waits", "waiting"]
