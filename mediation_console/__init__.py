"""Mediation Console: the one import name of the console, its core and its database.

The three folders at the top of the repository (`db/`, `console/`, `screens/`) are this package's
sub-packages, linked here, so that nothing else installed can shadow them (PyPI has packages named
`console` and `db`).
"""

import os  # both already loaded by Python itself: importing them cannot be interrupted half-way
import sys


def _interrupted_quietly(kind: type[BaseException], value: BaseException, tb: object) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.stderr.write("mediate: interrupted.\n")
        return
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
