"""Where agentdesk keeps its files: platform directories, overridable for tests and demos.

`AGENTDESK_HOME` puts config, data and state under one folder (used by tests and
`agentdesk demo`); otherwise platformdirs gives the platform's usual places.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "agentdesk"


def _home_override() -> Path | None:
    value = os.environ.get("AGENTDESK_HOME")
    return Path(value) if value else None


def config_dir() -> Path:
    home = _home_override()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    home = _home_override()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME))


def state_dir() -> Path:
    home = _home_override()
    return home / "state" if home else Path(platformdirs.user_state_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / "config.toml"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def cache_file(profile: str) -> Path:
    """The local SQLite cache of one profile."""
    return data_dir() / "profiles" / f"{profile}.sqlite3"


def server_db_url() -> str:
    """Default database of `agentdesk serve`: a SQLite file in the data directory."""
    return f"sqlite:///{data_dir() / 'server.sqlite3'}"


def builtin_themes_dir() -> Path:
    """The shipped `themes/` folder: inside the wheel, or at the top of a source checkout."""
    packaged = resources.files("agentdesk") / "themes"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "themes"
