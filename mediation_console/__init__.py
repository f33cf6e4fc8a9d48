"""Mediation Console: the one import name of the console, its core and its database.

The three folders at the top of the repository (`db/`, `console/`, `screens/`) are this package's
sub-packages, linked here, so that nothing else installed can shadow them (PyPI has packages named
`console` and `db`).
"""

import os  # both already loaded by Python itself: importing them cannot be interrupted half-way
import sys


def interrupted(error: BaseException | None) -> bool:
    """Whether `error` is a Ctrl+C, or was caused by one: Python 3.11 wraps a KeyboardInterrupt raised
    while a class is made (in `__set_name__`, as an import defines it) in a RuntimeError."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _interrupted_quietly(kind: type[BaseException], value: BaseException, tb: object) -> None:
    if interrupted(value):
        sys.stderr.write("mediate: interrupted.\n")
        if not isinstance(value, KeyboardInterrupt):
            # Wrapped, Python would exit 1 (an input rejected, to the shell); nothing is open yet to close.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return  # Python itself exits as an interrupted program does
    sys.__excepthook__(kind, value, tb)  # type: ignore[arg-type]


# Run as `mediate` (or `python -m mediation_console`), Ctrl+C while the program is still loading ends
# with one line, not a traceback through the import machinery (cli.main handles it once loaded).
if sys.argv and (sys.argv[0] == "-m" or os.path.basename(sys.argv[0]) == "mediate"):
    sys.excepthook = _interrupted_quietly

from importlib.metadata import PackageNotFoundError, version  # noqa: E402

try:
    __version__ = version("mediation-console")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
