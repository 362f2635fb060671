"""Bearer tokens: kept in the OS keyring (service `agentdesk`, username = profile name).

`AGENTDESK_TOKEN` in the environment overrides the keyring (for CI and headless machines).
A token is never written anywhere else: not the cache, not the config file, not a log.
Without a usable keyring backend, storing fails with one line that lists the options; there
is no silent plaintext fallback (keyrings.alt's plaintext file counts only if chosen
explicitly, via `PYTHON_KEYRING_BACKEND` or keyring's own config file).
"""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail, null

SERVICE = "agentdesk"
TOKEN_ENV = "AGENTDESK_TOKEN"

NO_KEYRING_HELP = (
    "no usable OS keyring to store the token: set AGENTDESK_TOKEN in the environment instead, "
    "or install a keyring backend (gnome-keyring / KWallet with Secret Service, or keyrings.alt "
    "chosen via PYTHON_KEYRING_BACKEND)"
)


class SecretStoreError(Exception):
    """The token cannot be stored or read; the message is one line for the user."""


def _explicitly_chosen() -> bool:
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    try:
        from keyring.util import platform_

        return (Path(platform_.config_root()) / "keyringrc.cfg").is_file()
    except Exception:
        return False


def usable_backend() -> keyring.backend.KeyringBackend | None:
    """The active keyring backend if it can really keep a secret, else None."""
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    try:
        recommended = backend.priority >= 1  # type: ignore[operator]
    except Exception:
        recommended = False
    if not recommended and not _explicitly_chosen():
        return None
    return backend


def token_from_env() -> str | None:
    value = os.environ.get(TOKEN_ENV, "").strip()
    return value or None


def get_token(profile: str) -> str | None:
    """The profile's token: `AGENTDESK_TOKEN` first, then the keyring; None if there is none."""
    env = token_from_env()
    if env:
        return env
    backend = usable_backend()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE, profile)
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"cannot read the token from the keyring: {_one_line(exc)}") from exc


def store_token(profile: str, token: str) -> None:
    backend = usable_backend()
    if backend is None:
        raise SecretStoreError(NO_KEYRING_HELP)
    try:
        backend.set_password(SERVICE, profile, token)
    except keyring.errors.NoKeyringError as exc:
        raise SecretStoreError(NO_KEYRING_HELP) from exc
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"cannot store the token in the keyring: {_one_line(exc)}") from exc


def delete_token(profile: str) -> bool:
    """Remove the profile's token from the keyring; True if one was there."""
    backend = usable_backend()
    if backend is None:
        return False
    try:
        if backend.get_password(SERVICE, profile) is None:
            return False
        backend.delete_password(SERVICE, profile)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"cannot remove the token: {_one_line(exc)}") from exc
    return True


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
