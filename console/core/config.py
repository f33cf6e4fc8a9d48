"""Where things live (database, settings, user rule pack) and the small settings file the app remembers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs

from mediation_console.db import safe_file

APP_NAME = "mediation-console"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """What the console works out and keeps only to be quicker (MEDIATE_CACHE_DIR, else the user cache
    directory): safe to delete at any time."""
    override = os.environ.get("MEDIATE_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "mediation.db"


def resolve_db_path(given: str | os.PathLike[str] | None) -> tuple[Path, bool]:
    """The database to open: --db, then MEDIATE_DB, then the user data directory.

    Returns the path and whether it is the default one (whose folder we may create).
    """
    if given:
        return Path(given).expanduser(), False
    env = os.environ.get("MEDIATE_DB")
    if env:
        return Path(env).expanduser(), False
    return default_db_path(), True


def ensure_private_dir(path: Path) -> None:
    """The folder and every parent it creates are 0700, whatever the umask."""
    safe_file.ensure_private_dir(path)


def user_rules_path() -> Path:
    return config_dir() / "rules.toml"


def settings_path() -> Path:
    override = os.environ.get("MEDIATE_SETTINGS")
    return Path(override) if override else config_dir() / "settings.json"


def user_themes_dir() -> Path:
    """The lead's own theme files (`*.toml`), in a `themes` folder beside the settings file."""
    return settings_path().parent / "themes"


def load_settings() -> dict[str, Any]:
    try:
        data = json.loads(safe_file.read_text(settings_path()))  # never blocks on a FIFO
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_setting(key: str, value: Any) -> bool:
    """Remembers one setting (e.g. the theme); False when it could not be written (for the theme, not
    worth interrupting the lead; the CLI says so for a replica)."""
    settings = load_settings()
    settings[key] = value
    path = settings_path()
    try:
        ensure_private_dir(path.parent)
        safe_file.write_file(path, json.dumps(settings, indent=2), force=True, what="settings")
    except (OSError, safe_file.UnsafeTarget):
        return False
    return True
