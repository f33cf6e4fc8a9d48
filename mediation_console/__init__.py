"""Mediation Console: the one import name of the console, its core and its database.

The three folders at the top of the repository (`db/`, `console/`, `screens/`) are this package's
sub-packages, linked here, so that nothing else installed can shadow them (PyPI has packages named
`console` and `db`).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mediation-console")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
