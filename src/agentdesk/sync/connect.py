"""From a profile to a `Backend`: one factory per backend kind.

Backend modules register a factory in `FACTORIES` (the reference server is built in; the
Request Tracker adapter adds "rt"). `TRANSPORT_FACTORY` lets embedders and tests route every
client of a base URL through their own httpx transport (for example `httpx.ASGITransport`
around an in-process server); None means real sockets.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import httpx

from agentdesk.profiles import Profile
from agentdesk.sync.backend import Backend, Capability

TransportFactory = Callable[[str], httpx.AsyncBaseTransport]
BackendFactory = Callable[..., Backend]

TRANSPORT_FACTORY: TransportFactory | None = None

# kind -> "module:attribute" of a callable (base_url, token, client_id, *, verify, transport).
FACTORIES: dict[str, str] = {
    "reference": "agentdesk.sync.reference:ReferenceBackend",
    "rt": "agentdesk.sync.rt:RTBackend",
}


class UnknownBackendError(ValueError):
    """The profile names a backend kind this build does not have."""


def transport_for(base_url: str) -> httpx.AsyncBaseTransport | None:
    return TRANSPORT_FACTORY(base_url) if TRANSPORT_FACTORY is not None else None


def _factory(kind: str) -> BackendFactory:
    target = FACTORIES.get(kind)
    if target is None:
        raise UnknownBackendError(f"unknown backend kind {kind!r}")
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UnknownBackendError(f"the {kind!r} backend is not available in this build") from exc
    factory: Any = getattr(module, attribute, None)
    if factory is None:
        raise UnknownBackendError(f"the {kind!r} backend is not available in this build")
    return factory


def capabilities(kind: str) -> frozenset[Capability]:
    """What a backend kind supports (its class's `capabilities`), without connecting."""
    return frozenset(getattr(_factory(kind), "capabilities", frozenset()))


def open_backend(profile: Profile, token: str, client_id: str) -> Backend:
    """A backend client for `profile`, authenticated with `token` (never stored here)."""
    factory = _factory(profile.backend)
    return factory(
        profile.server,
        token,
        client_id,
        verify=not profile.insecure,
        transport=transport_for(profile.server),
    )


def _module_function(kind: str, name: str) -> Callable[..., Any]:
    target = FACTORIES.get(kind)
    if target is None:
        raise UnknownBackendError(f"unknown backend kind {kind!r}")
    module_name = target.partition(":")[0]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UnknownBackendError(f"the {kind!r} backend is not available in this build") from exc
    function = getattr(module, name, None)
    if function is None:
        raise UnknownBackendError(f"the {kind!r} backend does not support {name}")
    return function


async def login(
    kind: str, server: str, email: str, password: str, *, verify: bool = True
) -> tuple[str, dict[str, Any]]:
    """`(token, agent)` from the backend module's `login(base_url, email, password, ...)`."""
    function = _module_function(kind, "login")
    return await function(server, email, password, verify=verify, transport=transport_for(server))


async def whoami(kind: str, server: str, token: str, *, verify: bool = True) -> dict[str, Any]:
    """The agent a token belongs to, from the backend module's `fetch_me(base_url, token, ...)`."""
    function = _module_function(kind, "fetch_me")
    return await function(server, token, verify=verify, transport=transport_for(server))


async def adopt_token(
    kind: str, server: str, email: str, token: str, *, verify: bool = True
) -> tuple[str, dict[str, Any]]:
    """`(secret to store, agent)` for an existing API token of `email` (a user name on RT).

    Backends whose module has `adopt_token` may wrap the token (Request Tracker keeps the
    user name with it); the others store the token as given, checked with `whoami`.
    """
    try:
        function = _module_function(kind, "adopt_token")
    except UnknownBackendError:
        return token, await whoami(kind, server, token, verify=verify)
    return await function(server, email, token, verify=verify, transport=transport_for(server))


async def revoke(kind: str, server: str, token: str, *, verify: bool = True) -> None:
    """Revoke a token on the server if the backend module has `revoke`; else nothing."""
    try:
        function = _module_function(kind, "revoke")
    except UnknownBackendError:
        return
    await function(server, token, verify=verify, transport=transport_for(server))
