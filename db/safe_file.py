"""One safe way to write a file: never onto the live database, never through a symlink, never half-written.

Every file the app writes (exports, notes, backups, settings) goes through `write_file` or
`staged_file`. The target is checked first (not the database or its `-wal`/`-shm`/`-journal`, a
regular file or nothing, not an existing file unless the caller was asked to replace it); the
content goes to a temporary file beside it, created with `O_EXCL | O_NOFOLLOW` and mode 0600, is
fsynced and renamed over the target, so a full disk or a kill leaves the previous file whole.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, BinaryIO, Literal, overload

# The files SQLite keeps beside a database while it is open.
SIDE_FILES = ("", "-wal", "-shm", "-journal")
_PART = ".part"


class UnsafeTarget(Exception):
    """The target cannot be written safely; the message says why, in words for the lead."""


def database_in_use(path: Path) -> bool:
    """Whether another process (a console, mediate serve, Datasette, the sqlite3 shell) has the SQLite file
    `path` open, asked without changing a byte of it.

    Every console opens its file in WAL mode, and while a connection has a WAL file open it holds a shared
    lock on the "dead man switch" byte of its `-shm` file (offset 128, SQLite's WAL-index format): taking
    that byte exclusively, for a moment, succeeds only when no other process holds it. A file replaced
    while a console has it open would take that console's later writes with it.

    Ask from a process that has no connection to the file open itself: POSIX locks are per process, so
    its own would not count, and closing the probe's descriptor would drop them. A `-shm` this user
    cannot open for writing (another user's console) counts as not in use."""
    try:
        fd = os.open(f"{path}-shm", os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError:  # no -shm: no connection has the file open in WAL mode
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _WAL_DMS_BYTE, os.SEEK_SET)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _WAL_DMS_BYTE, os.SEEK_SET)
        return False
    finally:
        os.close(fd)


_WAL_DMS_BYTE = 128  # 120 (the WAL-index locks) + 8 of them: https://www.sqlite.org/walformat.html


def _spelled(path: Path) -> Path:
    """The path with its folder resolved but its last part kept: a symlink at the target is not followed."""
    return Path(os.path.realpath(path.parent)) / path.name


def database_files(databases: Iterable[str | os.PathLike[str] | None]) -> list[Path]:
    """Each database with the side files SQLite writes beside it."""
    files: list[Path] = []
    for db in databases:
        if db is None:
            continue
        db = Path(db)
        files.extend(db.with_name(db.name + suffix) for suffix in SIDE_FILES)
    return files


def check_target(
    target: str | os.PathLike[str],
    *,
    protect: Iterable[str | os.PathLike[str] | None] = (),
    force: bool = False,
    what: str = "file",
) -> Path:
    """Raises UnsafeTarget unless `target` can be written; returns it with `~` expanded."""
    target = Path(target).expanduser()
    if not target.parent.is_dir():
        raise UnsafeTarget(f"The folder {target.parent} does not exist")
    spelled = _spelled(target)
    for protected in database_files(Path(p).expanduser() for p in protect if p is not None):
        same_name = _spelled(protected) == spelled
        same_file = False
        with contextlib.suppress(OSError):
            same_file = os.path.samefile(target, protected)
        if same_name or same_file:
            name = protected.name
            if name.endswith(SIDE_FILES[1:]):
                raise UnsafeTarget(
                    f"{target} is the open database's own {name.rsplit('-', 1)[1]} file; "
                    f"writing the {what} there would destroy saved data. Name another file"
                )
            raise UnsafeTarget(f"{target} is the database itself; name another file for the {what}")
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise UnsafeTarget(f"Cannot write {target}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeTarget(f"{target} is a symbolic link; name the real file to write")
    if stat.S_ISDIR(info.st_mode):
        raise UnsafeTarget(f"{target} is a folder; name the file to write inside it")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeTarget(f"{target} is not a regular file (a device, pipe or socket); name a file")
    if not force:
        raise UnsafeTarget(f"{target} already exists; pass --force to replace it")
    return target


def pid_alive(pid: int) -> bool:
    """Whether a process with this id still runs (one another user owns counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(target: Path) -> Iterator[Path]:
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if entry.name.startswith(prefix) and entry.name.endswith(_PART):
                yield Path(entry.path)


def clean_leftovers(target: Path) -> None:
    """Removes temporary files a killed writer of `target` left behind (their process is gone)."""
    for part in _leftovers(target):
        pid_text = part.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid_text.isdigit() and not pid_alive(int(pid_text)):
            with contextlib.suppress(OSError):
                os.unlink(part)  # unlinks a planted symlink itself, never its target


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def staged_file(
    target: str | os.PathLike[str],
    *,
    protect: Iterable[str | os.PathLike[str] | None] = (),
    force: bool = False,
    what: str = "file",
) -> Iterator[Path]:
    """Yields an empty private temporary file beside `target`; renamed over it when the block succeeds.

    The temporary file is removed if the block raises, so nothing half-written is ever left.
    """
    protect = list(protect)
    target = check_target(target, protect=protect, force=force, what=what)
    clean_leftovers(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{_PART}")
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except PermissionError:
        raise UnsafeTarget(f"Cannot write in {target.parent} (permission denied)") from None
    except OSError as exc:
        raise UnsafeTarget(f"Cannot write {target}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.fchmod(fd, 0o600)
            os.fsync(fd)
        finally:
            os.close(fd)
        # Checked again at the last moment: a file that appeared meanwhile is not silently replaced.
        check_target(target, protect=protect, force=force, what=what)
        os.replace(tmp, target)  # replaces a directory entry; a symlink planted there is not followed
        _fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@overload
def open_staged(tmp: Path, mode: Literal["w"], *, encoding: str = "utf-8", newline: str | None = None) -> IO[str]: ...
@overload
def open_staged(tmp: Path, mode: Literal["wb"]) -> IO[bytes]: ...
def open_staged(tmp: Path, mode: str, *, encoding: str = "utf-8", newline: str | None = None) -> IO[str] | IO[bytes]:
    """Opens a file `staged_file` made, without following a symlink that replaced it."""
    fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
    if mode == "wb":
        return os.fdopen(fd, "wb")
    return os.fdopen(fd, "w", encoding=encoding, newline=newline)


def write_file(
    target: str | os.PathLike[str],
    content: str | bytes,
    *,
    protect: Iterable[str | os.PathLike[str] | None] = (),
    force: bool = False,
    what: str = "file",
) -> Path:
    """Writes `content` to `target` safely (see the module's docstring) and returns the target."""
    payload = content.encode("utf-8") if isinstance(content, str) else content
    target = Path(target).expanduser()
    with staged_file(target, protect=protect, force=force, what=what) as tmp, open_staged(tmp, "wb") as handle:
        handle.write(payload)
    return target


def unique_path(target: Path) -> Path:
    """`target`, or `name-2.ext`, `name-3.ext`… when it exists: a second export never replaces the first."""
    if not os.path.lexists(target):
        return target
    n = 2
    while True:
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
        if not os.path.lexists(candidate):
            return candidate
        n += 1


def ensure_private_dir(path: str | os.PathLike[str]) -> Path:
    """Creates `path` and any missing parents as 0700, whatever the umask; returns it."""
    path = Path(path).expanduser()
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o700)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    return path


def check_readable_file(path: str | os.PathLike[str], what: str = "file") -> Path:
    """Raises UnsafeTarget unless `path` is a regular file: reading a FIFO or a device would hang or misread."""
    path = Path(path).expanduser()
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UnsafeTarget(f"{path} does not exist") from None
    except OSError as exc:
        raise UnsafeTarget(f"Cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnsafeTarget(f"{path} is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeTarget(f"{path} is not a regular file (a device, pipe or socket), so it is not a {what}")
    return path


class NotRegularFile(OSError):
    """A path named for reading is a device, pipe or socket (reading it would hang or never end)."""


NOT_REGULAR = "is not a regular file (a device, pipe or socket)"


def open_for_reading(path: str | os.PathLike[str]) -> BinaryIO:
    """Opens `path` for reading in binary, never blocking on a FIFO nor reading a device.

    The file is opened non-blocking (opening a FIFO for reading waits for a writer otherwise) and its
    kind is checked on the open descriptor, so a path swapped after a check cannot slip through.
    Raises FileNotFoundError / PermissionError / IsADirectoryError as `open` would, and
    NotRegularFile for a device, pipe or socket.
    """
    path = Path(path).expanduser()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, NOT_REGULAR, str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The whole of a regular file (see `open_for_reading`)."""
    with open_for_reading(path) as handle:
        return handle.read()


def read_text(path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
    """The whole of a regular text file (see `open_for_reading`); UnicodeDecodeError as `Path.read_text`."""
    return read_bytes(path).decode(encoding)


def open_text_for_reading(path: str | os.PathLike[str], encoding: str, newline: str | None = None) -> IO[str]:
    """A regular file opened as text (see `open_for_reading`): `open(path, encoding=..., newline=...)`."""
    return io.TextIOWrapper(open_for_reading(path), encoding=encoding, newline=newline)


__all__ = [
    "NOT_REGULAR",
    "SIDE_FILES",
    "NotRegularFile",
    "UnsafeTarget",
    "check_readable_file",
    "check_target",
    "clean_leftovers",
    "database_files",
    "ensure_private_dir",
    "open_for_reading",
    "open_staged",
    "open_text_for_reading",
    "read_bytes",
    "read_text",
    "staged_file",
    "unique_path",
    "write_file",
]
