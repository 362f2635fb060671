"""Authentication: password login for a bearer token, token checks, revocation, role gates.

Tokens are random strings stored only as their SHA-256; they expire (`token_ttl`, default
30 days) and can be revoked. Every authenticated request also takes one token from the
caller's rate-limit bucket (429 with Retry-After when empty).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, insert, select, update

from agentdesk.domain.enums import Role
from agentdesk.domain.models import Agent
from agentdesk.domain.timeutil import utcnow
from agentdesk.server.passwords import hash_password, new_token, token_digest, verify_password
from agentdesk.server.permissions import Caller
from agentdesk.server.problems import Problem, responses
from agentdesk.server.state import ServerState, server_state
from agentdesk.server.tables import AgentCredential, ApiToken
from agentdesk.server.wire import json_response, row_data, table_of

AGENTS = table_of(Agent)
CREDENTIALS = table_of(AgentCredential)
TOKENS = table_of(ApiToken)

router = APIRouter(prefix="/v1", tags=["auth"])

_WWW_AUTH = {"WWW-Authenticate": "Bearer"}


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    agent: Agent


def unauthenticated(detail: str) -> Problem:
    return Problem(401, detail, headers=_WWW_AUTH)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def caller_for_token(conn: Connection, token: str) -> Caller:
    """The agent a token belongs to, or a 401 problem (unknown, revoked, expired, inactive)."""
    digest = token_digest(token)
    row = conn.execute(
        select(
            TOKENS.c.revoked,
            TOKENS.c.expires_at,
            AGENTS.c.id,
            AGENTS.c.role,
            AGENTS.c.group_ids,
            AGENTS.c.name,
            AGENTS.c.email,
            AGENTS.c.active,
        )
        .join(AGENTS, AGENTS.c.id == TOKENS.c.agent_id)
        .where(TOKENS.c.token_hash == digest)
    ).first()
    if row is None:
        raise unauthenticated("unknown token; log in again")
    if row.revoked:
        raise unauthenticated("this token was revoked; log in again")
    if row.expires_at <= utcnow():
        raise unauthenticated("this token has expired; log in again")
    if not row.active:
        raise unauthenticated("this account is disabled")
    return Caller(
        agent_id=row.id,
        role=Role(row.role),
        group_ids=frozenset(int(group) for group in row.group_ids or ()),
        name=row.name,
        email=row.email,
        token_hash=digest,
    )


def current_caller(request: Request, state: ServerState = Depends(server_state)) -> Caller:
    """FastAPI dependency: the authenticated caller (401 otherwise), rate limited (429)."""
    token = bearer_token(request)
    if token is None:
        raise unauthenticated("authentication required: send 'Authorization: Bearer <token>'")
    with state.engine.connect() as conn:
        caller = caller_for_token(conn, token)
    state.limiter.check("token:" + (caller.token_hash or ""))
    return caller


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def require_role(*roles: Role) -> Any:
    """A dependency that answers 403 unless the caller has one of `roles`."""

    def _check(caller: CurrentCaller) -> Caller:
        if caller.role not in roles:
            allowed = " or ".join(role.value for role in roles)
            raise Problem(403, f"this needs the {allowed} role")
        return caller

    return Depends(_check)


@cache
def _decoy_hash() -> str:
    """A hash to check unknown emails against, so timing does not tell which emails exist."""
    return hash_password(secrets.token_urlsafe(16))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses=responses(),
    summary="Log in with email and password; get a bearer token",
)
def login(
    body: LoginRequest, request: Request, state: ServerState = Depends(server_state)
) -> Response:
    state.limiter.check("login:" + client_ip(request))
    email = body.email.strip().lower()
    with state.engine.connect() as conn:
        row = conn.execute(
            select(AGENTS, CREDENTIALS.c.password_hash)
            .join(CREDENTIALS, CREDENTIALS.c.agent_id == AGENTS.c.id)
            .where(func.lower(AGENTS.c.email) == email)
        ).first()
    if row is None:
        verify_password(body.password, _decoy_hash())  # same time as a real check
        raise unauthenticated("wrong email or password")
    if not verify_password(body.password, row.password_hash) or not row.active:
        raise unauthenticated("wrong email or password")
    token = new_token()
    now = utcnow()
    expires_at = now + state.token_ttl
    with state.engine.begin() as conn:
        conn.execute(
            insert(TOKENS).values(
                token_hash=token_digest(token),
                agent_id=row.id,
                created_at=now,
                expires_at=expires_at,
                revoked=False,
                description=f"login from {client_ip(request)}",
            )
        )
    agent = row_data(row)
    agent.pop("password_hash", None)
    return json_response(
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_at": expires_at,
            "agent": agent,
        }
    )


@router.delete(
    "/auth/token",
    status_code=204,
    responses=responses(),
    summary="Revoke the caller's token (log out)",
)
def logout(caller: CurrentCaller, state: ServerState = Depends(server_state)) -> Response:
    with state.engine.begin() as conn:
        conn.execute(
            update(TOKENS).where(TOKENS.c.token_hash == caller.token_hash).values(revoked=True)
        )
    return Response(status_code=204)
