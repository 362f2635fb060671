"""Request Tracker settings: the credential kept in the keyring, and `rt.toml`.

The keyring holds one secret per profile. For RT it is JSON with the user name and the
Authorization header value, because RT has no "who am I" endpoint and Basic auth needs the
name anyway: `{"user": "alice", "authorization": "token 1-28-..."}` (or `"Basic ..."`).
`user:token` (an RT auth token after the user's name) is accepted too, for AGENTDESK_TOKEN.

`config_dir()/rt.toml` tunes the mapping and the load on the RT server (every key optional):

    tags_field = "Tags"              # ticket custom field that holds agentdesk's tags
    priority_thresholds = [25, 75, 95]   # lowest RT priority of normal, high, urgent
    poll_interval = 15               # seconds between polls (RT pushes nothing)
    max_requests_per_second = 10     # per client, so a team does not load the RT server

    [priority_values]                # the number sent to RT for each level
    low = 0
    normal = 50
    high = 80
    urgent = 100

    [server."https://rt.example.com"]   # overrides for one RT server (its profile's URL)
    tags_field = "Labels"
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from typing import Any

from agentdesk import paths
from agentdesk.sync.backend import AuthError, BackendError
from agentdesk.sync.rt.client import DEFAULT_MAX_RPS, token_credential
from agentdesk.sync.rt.mapping import RTMapping

DEFAULT_POLL_INTERVAL = 15.0


class RTSettingsError(BackendError):
    """rt.toml is unreadable or holds a bad value (one line naming the file and key)."""


@dataclass(frozen=True)
class RTSettings:
    mapping: RTMapping = field(default_factory=RTMapping)
    poll_interval: float = DEFAULT_POLL_INTERVAL
    max_requests_per_second: float = DEFAULT_MAX_RPS


def settings_file() -> Any:
    return paths.config_dir() / "rt.toml"


def load_settings(server: str | None = None) -> RTSettings:
    """The settings for `server`: the file's top level, overridden by its `[server."URL"]`."""
    path = settings_file()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return RTSettings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RTSettingsError(f"{path}: {exc}") from exc
    try:
        per_server = raw.pop("server", {})
        if not isinstance(per_server, dict):
            raise ValueError('"server" must be a table of [server."URL"] sections')
        for url, section in per_server.items():
            if not isinstance(section, dict):
                raise ValueError(f'[server."{url}"] must be a table')
            parse_settings(section)  # a bad section is reported even for other servers
        if server is not None:
            raw.update(per_server.get(server.rstrip("/"), {}))
        return parse_settings(raw)
    except (TypeError, ValueError) as exc:
        raise RTSettingsError(f"{path}: {exc}") from exc


def parse_settings(raw: dict[str, Any]) -> RTSettings:
    known = {
        "tags_field",
        "priority_thresholds",
        "priority_values",
        "poll_interval",
        "max_requests_per_second",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}")
    kwargs: dict[str, Any] = {}
    tags_field = raw.get("tags_field")
    if tags_field is not None:
        if not isinstance(tags_field, str) or not tags_field.strip():
            raise ValueError("tags_field must be a non-empty string")
        kwargs["tags_field"] = tags_field.strip()
    if "priority_thresholds" in raw:
        thresholds = raw["priority_thresholds"]
        if not (
            isinstance(thresholds, list)
            and len(thresholds) == 3
            and all(isinstance(v, int) and not isinstance(v, bool) for v in thresholds)
        ):
            raise ValueError("priority_thresholds must be three integers [normal, high, urgent]")
        kwargs["priority_thresholds"] = tuple(thresholds)
    if "priority_values" in raw:
        values = raw["priority_values"]
        if not isinstance(values, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values.values()
        ):
            raise ValueError("priority_values must map low/normal/high/urgent to integers")
        kwargs["priority_values"] = {**RTMapping().priority_values, **values}
    rt_mapping = RTMapping(**kwargs)
    poll = _positive(raw, "poll_interval", DEFAULT_POLL_INTERVAL)
    rps = _positive(raw, "max_requests_per_second", DEFAULT_MAX_RPS)
    return RTSettings(rt_mapping, poll, rps)


def _positive(raw: dict[str, Any], key: str, default: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{key} must be a positive number")
    return float(value)


# -- the stored credential ----------------------------------------------------------------------
def encode_secret(user: str, authorization: str) -> str:
    return json.dumps({"user": user, "authorization": authorization})


def decode_secret(secret: str) -> tuple[str, str]:
    """(user name, Authorization header value) from a stored secret or `user:token`."""
    text = secret.strip()
    if text.startswith("{"):
        try:
            raw = json.loads(text)
            user, authorization = raw["user"], raw["authorization"]
        except (ValueError, KeyError, TypeError):
            raise AuthError(
                "the stored Request Tracker credential is damaged: log in again"
            ) from None
        if isinstance(user, str) and isinstance(authorization, str) and user and authorization:
            return user, authorization
        raise AuthError("the stored Request Tracker credential is damaged: log in again")
    user, sep, token = text.rpartition(":")
    if sep and user and token:
        return user, token_credential(token)
    raise AuthError("a Request Tracker credential is USER:TOKEN (or log in with --user)")
