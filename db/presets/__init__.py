"""The ATS presets shipped with the package: one mapping file (TOML) per ATS export, read as package data.

Each file is an ordinary mapping file (see `db.csv_import.ImportMapping`) with a ``[preset]`` section
saying which headers identify the export and what fills the fields it has no column for. This module
only finds and reads the files; `db.csv_import` turns them into mappings.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any


def preset_names() -> tuple[str, ...]:
    """The shipped presets, by file name without ``.toml``, sorted."""
    return tuple(
        sorted(
            entry.name.removesuffix(".toml")
            for entry in resources.files(__name__).iterdir()
            if entry.name.endswith(".toml")
        )
    )


def preset_data(name: str) -> dict[str, Any]:
    """The parsed TOML of one shipped preset; KeyError names the known presets when there is no such one."""
    if name not in preset_names():
        raise KeyError(f"no preset {name!r} (the presets are {', '.join(preset_names())})")
    text = resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)
