"""Accounts: agents with passwords, groups, bearer tokens and intake keys.

Used by `agentdesk admin`, the admin API, the seeder, the demo and tests. Every write that
touches a synced row (agents, groups) takes a version, so clients pull the change.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, Engine, func, insert, select, update

from agentdesk.domain.enums import Availability, Role
from agentdesk.domain.models import Agent, Group
from agentdesk.domain.timeutil import utcnow
from agentdesk.server.db import next_version, write_transaction
from agentdesk.server.inputs import EMAIL_PATTERN
from agentdesk.server.passwords import hash_password, new_token, token_digest
from agentdesk.server.tables import AgentCredential, ApiToken, IntakeKey
from agentdesk.server.wire import table_of

AGENTS = table_of(Agent)
GROUPS = table_of(Group)
CREDENTIALS = table_of(AgentCredential)
TOKENS = table_of(ApiToken)
INTAKE_KEYS = table_of(IntakeKey)

DEFAULT_TOKEN_TTL = timedelta(days=30)
MIN_PASSWORD_LENGTH = 4
_EMAIL = re.compile(EMAIL_PATTERN)


class AccountError(ValueError):
    """Bad account input (one line for the user)."""


@dataclass(frozen=True, slots=True)
class CreatedAgent:
    id: int
    email: str
    name: str
    role: Role
    group_ids: list[int]


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise AccountError(f"not an email address: {email!r}")
    return value


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


def ensure_groups(conn: Connection, names: Iterable[str], version: int) -> list[int]:
    """Ids of the named groups, creating missing ones with `version`."""
    ids: list[int] = []
    for raw in names:
        name = raw.strip()
        if not name:
            raise AccountError("a group name cannot be empty")
        found = conn.execute(select(GROUPS.c.id).where(GROUPS.c.name == name)).scalar()
        if found is None:
            found = conn.execute(
                insert(GROUPS).values(name=name, description="", version=version)
            ).inserted_primary_key[0]  # type: ignore[index]
        if found not in ids:
            ids.append(int(found))
    return ids


def create_agent(
    engine: Engine,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str,
    groups: Sequence[str] = (),
    skills: Sequence[str] = (),
    capacity: int = 20,
) -> CreatedAgent:
    """A new agent with a password; groups named are created if missing."""
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise AccountError("the agent needs a name")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}: use agent, lead or admin") from None
    password_hash = hash_password(check_password(password))
    with write_transaction(engine) as conn:
        taken = conn.execute(
            select(AGENTS.c.id).where(func.lower(AGENTS.c.email) == email)
        ).scalar()
        if taken is not None:
            raise AccountError(f"an agent with email {email} already exists")
        version = next_version(conn)
        group_ids = ensure_groups(conn, groups, version)
        agent_id = conn.execute(
            insert(AGENTS).values(
                name=name,
                email=email,
                role=role,
                group_ids=group_ids,
                skills=[skill.strip() for skill in skills if skill.strip()],
                availability=Availability.OFFLINE,
                capacity=capacity,
                signature="",
                active=True,
                version=version,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            insert(CREDENTIALS).values(
                agent_id=agent_id, password_hash=password_hash, updated_at=utcnow()
            )
        )
    return CreatedAgent(int(agent_id), email, name, role, group_ids)


def reset_password(engine: Engine, *, email: str, password: str) -> int:
    """Set a new password and revoke the agent's tokens; returns the agent id."""
    email = normalise_email(email)
    password_hash = hash_password(check_password(password))
    with write_transaction(engine) as conn:
        agent_id = conn.execute(
            select(AGENTS.c.id).where(func.lower(AGENTS.c.email) == email)
        ).scalar()
        if agent_id is None:
            raise AccountError(f"no agent with email {email}")
        updated = conn.execute(
            update(CREDENTIALS)
            .where(CREDENTIALS.c.agent_id == agent_id)
            .values(password_hash=password_hash, updated_at=utcnow())
        ).rowcount
        if not updated:
            conn.execute(
                insert(CREDENTIALS).values(
                    agent_id=agent_id, password_hash=password_hash, updated_at=utcnow()
                )
            )
        conn.execute(update(TOKENS).where(TOKENS.c.agent_id == agent_id).values(revoked=True))
    return int(agent_id)


def issue_token(
    engine: Engine, agent_id: int, *, ttl: timedelta = DEFAULT_TOKEN_TTL, description: str = ""
) -> str:
    """A bearer token for an agent without a password round trip (admin tools, demo, tests)."""
    token = new_token()
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(TOKENS).values(
                token_hash=token_digest(token),
                agent_id=agent_id,
                created_at=now,
                expires_at=now + ttl,
                revoked=False,
                description=description,
            )
        )
    return token


def create_intake_key(engine: Engine, *, name: str) -> str:
    """A new intake key (shown once; only its hash is stored)."""
    name = name.strip()
    if not name:
        raise AccountError("the intake key needs a name")
    key = "adi_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(insert(INTAKE_KEYS).values(key_hash=token_digest(key), name=name))
    return key
