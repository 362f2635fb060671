"""Signing in to Request Tracker: the hooks `agentdesk.sync.connect` calls for `rt` profiles.

RT's REST 2 cannot mint tokens, so a password login keeps HTTP Basic credentials (in the
keyring, never on disk) and a token login keeps the RT auth token; either way the stored
secret also names the user (see `settings.encode_secret`). Both check the credentials
with `GET /user/NAME` before anything is stored.
"""

from __future__ import annotations

from typing import Any

import httpx

from agentdesk.sync.backend import AuthError
from agentdesk.sync.rt.client import (
    RTClient,
    RTRequestError,
    password_credential,
    token_credential,
)
from agentdesk.sync.rt.mapping import agent_from_rt
from agentdesk.sync.rt.settings import decode_secret, encode_secret


async def _agent(
    server: str,
    user: str,
    authorization: str,
    *,
    verify: bool,
    transport: httpx.AsyncBaseTransport | None,
) -> dict[str, Any]:
    client = RTClient(server, authorization, verify=verify, transport=transport, max_rps=0)
    try:
        record = await client.user(user)
    except RTRequestError as exc:
        raise AuthError(f"Request Tracker: cannot read user {user!r} ({exc.message})") from exc
    finally:
        await client.aclose()
    if record.get("id") is None:
        raise AuthError(f"Request Tracker has no user {user!r}")
    if not record.get("Privileged"):
        raise AuthError(f"{user} is not a privileged Request Tracker user (agents must be)")
    return agent_from_rt(record, 0)


async def login(
    server: str,
    user: str,
    password: str,
    *,
    verify: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[str, dict[str, Any]]:
    """(secret to keep, agent) for a user name and password (HTTP Basic)."""
    authorization = password_credential(user, password)
    agent = await _agent(server, user, authorization, verify=verify, transport=transport)
    return encode_secret(user, authorization), agent


async def adopt_token(
    server: str,
    user: str,
    token: str,
    *,
    verify: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[str, dict[str, Any]]:
    """(secret to keep, agent) for an RT auth token of `user`."""
    authorization = token_credential(token)
    agent = await _agent(server, user, authorization, verify=verify, transport=transport)
    return encode_secret(user, authorization), agent


async def fetch_me(
    server: str,
    token: str,
    *,
    verify: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """The agent a stored secret (or `user:token`) belongs to."""
    user, authorization = decode_secret(token)
    return await _agent(server, user, authorization, verify=verify, transport=transport)
