"""Profiles: which server and account each local cache belongs to.

Stored in `config_dir()/profiles.toml` (never a token: those live in the keyring):

    active = "work"

    [profiles.work]
    backend = "reference"
    server = "https://desk.example.com"
    email = "dana@example.com"
    agent_id = 4
    insecure = false

The cache of a profile is `agentdesk.paths.cache_file(name)`.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentdesk import paths

DEFAULT_PROFILE = "default"
BACKEND_KINDS = ("reference", "rt")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ProfileError(ValueError):
    """A bad profiles file or profile name; the message is one line for the user."""


@dataclass
class Profile:
    name: str
    server: str
    email: str
    backend: str = "reference"
    agent_id: int | None = None
    insecure: bool = False

    @property
    def cache_path(self) -> Path:
        return paths.cache_file(self.name)


@dataclass
class ProfileSet:
    active: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)

    def resolve(self, name: str | None) -> Profile | None:
        """The named profile, else the active one, else the only one; None if none fits."""
        if name:
            return self.profiles.get(name)
        if self.active and self.active in self.profiles:
            return self.profiles[self.active]
        if DEFAULT_PROFILE in self.profiles:
            return self.profiles[DEFAULT_PROFILE]
        if len(self.profiles) == 1:
            return next(iter(self.profiles.values()))
        return None


def profiles_file() -> Path:
    return paths.config_dir() / "profiles.toml"


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ProfileError(
            f"invalid profile name {name!r}: use letters, digits, '.', '_' or '-' (max 64)"
        )
    return name


def load() -> ProfileSet:
    path = profiles_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ProfileSet()
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read the profiles file ({exc})") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if "at end of document" in message:  # tomllib names no line there: the last one
            last = text.count("\n") + (0 if text.endswith("\n") else 1)
            message = message.replace("at end of document", f"at line {max(last, 1)}, end of file")
        raise ProfileError(f"{path}: invalid TOML: {message}") from exc
    return _parse(raw, path)


def _parse(raw: dict[str, Any], path: Path) -> ProfileSet:
    active = raw.get("active")
    if active is not None and not isinstance(active, str):
        raise ProfileError(f"{path}: 'active' must be a string")
    table = raw.get("profiles", {})
    if not isinstance(table, dict):
        raise ProfileError(f"{path}: 'profiles' must be a table of [profiles.NAME] sections")
    profiles: dict[str, Profile] = {}
    for name, entry in table.items():
        where = f"{path}: profile {name!r}"
        if not _NAME.match(name):
            raise ProfileError(f"{where}: invalid profile name")
        if not isinstance(entry, dict):
            raise ProfileError(f"{where}: must be a table")
        server = _field(entry, "server", str, where)
        email = _field(entry, "email", str, where)
        backend = _field(entry, "backend", str, where, default="reference")
        if backend not in BACKEND_KINDS:
            raise ProfileError(f"{where}: unknown backend {backend!r}")
        agent_id = _field(entry, "agent_id", int, where, default=None)
        insecure = _field(entry, "insecure", bool, where, default=False)
        profiles[name] = Profile(name, server, email, backend, agent_id, insecure)
    return ProfileSet(active=active, profiles=profiles)


_MISSING = object()


def _field(entry: dict[str, Any], key: str, kind: type, where: str, default: Any = _MISSING) -> Any:
    if key not in entry:
        if default is _MISSING:
            raise ProfileError(f"{where}: missing {key!r}")
        return default
    value = entry[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProfileError(f"{where}: {key!r} must be of type {kind.__name__}")
    return value


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # A JSON string is a valid TOML basic string (same escapes, \uXXXX for controls).
    return json.dumps(str(value), ensure_ascii=False)


def dumps(profile_set: ProfileSet) -> str:
    lines = ["# agentdesk profiles (tokens are kept in the OS keyring, never here)"]
    if profile_set.active:
        lines.append(f"active = {_toml_value(profile_set.active)}")
    for name in sorted(profile_set.profiles):
        profile = profile_set.profiles[name]
        lines += ["", f"[profiles.{name}]"]
        lines.append(f"backend = {_toml_value(profile.backend)}")
        lines.append(f"server = {_toml_value(profile.server)}")
        lines.append(f"email = {_toml_value(profile.email)}")
        if profile.agent_id is not None:
            lines.append(f"agent_id = {profile.agent_id}")
        lines.append(f"insecure = {_toml_value(profile.insecure)}")
    return "\n".join(lines) + "\n"


def save(profile_set: ProfileSet) -> None:
    """Write the file atomically (temporary file + rename), readable by the user only."""
    path = profiles_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(dumps(profile_set))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def upsert(profile: Profile, *, make_active: bool = True) -> None:
    check_name(profile.name)
    profile_set = load()
    profile_set.profiles[profile.name] = profile
    if make_active or not profile_set.active:
        profile_set.active = profile.name
    save(profile_set)


def remove(name: str) -> bool:
    profile_set = load()
    if profile_set.profiles.pop(name, None) is None:
        return False
    if profile_set.active == name:
        profile_set.active = None
    save(profile_set)
    return True
