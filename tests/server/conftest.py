"""Fixtures for the reference server: a real database (SQLite file or PostgreSQL), a small
world of groups, agents, customers and tickets written straight into it, and HTTP clients on
the real app (in-process ASGI).

`backend` parametrises a test over both databases; PostgreSQL cases skip without a server
(and fail under CI, see tests/conftest.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, insert, text
from sqlmodel import SQLModel

from agentdesk.domain.enums import AuthorKind, Channel, Priority, Role, Status
from agentdesk.domain.ids import uuid7
from agentdesk.domain.models import Agent, Customer, Group, Message, Ticket
from agentdesk.domain.sla import due_times, next_due
from agentdesk.domain.timeutil import utcnow
from agentdesk.server.accounts import issue_token
from agentdesk.server.app import create_app
from agentdesk.server.db import next_version, open_database, write_transaction
from agentdesk.server.passwords import hash_password
from agentdesk.server.ratelimit import RateLimit
from agentdesk.server.tables import AgentCredential
from agentdesk.server.wire import table_of

PASSWORD = "correct horse"


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class AgentInfo:
    id: int
    email: str
    role: Role
    token: str


@dataclass
class World:
    """What `build_world` wrote: ids by name, and a token per agent."""

    engine: Engine
    groups: dict[str, int] = field(default_factory=dict)
    agents: dict[str, AgentInfo] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    tickets: dict[str, int] = field(default_factory=dict)

    def auth(self, agent: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.agents[agent].token}"}


def add_group(engine: Engine, name: str) -> int:
    with write_transaction(engine) as conn:
        version = next_version(conn)
        return int(
            conn.execute(
                insert(table_of(Group)).values(name=name, description="", version=version)
            ).inserted_primary_key[0]  # type: ignore[index]
        )


def add_agent(engine: Engine, name: str, role: Role, group_ids: list[int]) -> AgentInfo:
    email = f"{name}@example.test"
    with write_transaction(engine) as conn:
        version = next_version(conn)
        agent_id = conn.execute(
            insert(table_of(Agent)).values(
                name=name.title(),
                email=email,
                role=role,
                group_ids=group_ids,
                skills=[],
                availability="available",
                capacity=20,
                signature="",
                active=True,
                version=version,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            insert(table_of(AgentCredential)).values(
                agent_id=agent_id, password_hash=password_hash(), updated_at=utcnow()
            )
        )
    return AgentInfo(int(agent_id), email, role, issue_token(engine, int(agent_id)))


def add_customer(engine: Engine, name: str) -> int:
    with write_transaction(engine) as conn:
        version = next_version(conn)
        return int(
            conn.execute(
                insert(table_of(Customer)).values(
                    name=name.title(),
                    email=f"{name}@customer.test",
                    tier="standard",
                    notes="",
                    created_at=utcnow(),
                    version=version,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )


def add_ticket(
    engine: Engine,
    subject: str,
    customer_id: int,
    *,
    group_id: int | None,
    assignee_id: int | None = None,
    status: Status = Status.OPEN,
    messages: int = 1,
) -> int:
    """A ticket and `messages` customer messages, all written with one version."""
    now = utcnow()
    due = due_times(now, Priority.NORMAL)
    with write_transaction(engine) as conn:
        version = next_version(conn)
        ticket_id = conn.execute(
            insert(table_of(Ticket)).values(
                subject=subject,
                status=status,
                priority=Priority.NORMAL,
                channel=Channel.EMAIL,
                customer_id=customer_id,
                assignee_id=assignee_id,
                group_id=group_id,
                tags=[],
                created_at=now,
                updated_at=now,
                first_reply_due=due.first_reply_due,
                resolution_due=due.resolution_due,
                sla_due_at=next_due(status, None, due.first_reply_due, due.resolution_due),
                version=version,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        for number in range(messages):
            conn.execute(
                insert(table_of(Message)).values(
                    id=uuid7(),
                    ticket_id=ticket_id,
                    public=True,
                    author_kind=AuthorKind.CUSTOMER,
                    author_id=customer_id,
                    body=f"message {number} of {subject}",
                    channel=Channel.EMAIL,
                    created_at=now,
                    version=version,
                )
            )
    return int(ticket_id)


def build_world(engine: Engine) -> World:
    """Two groups; agents, leads and an admin; tickets in every ownership situation.

    support: alice (agent), bob (agent), carol (lead). billing: dave (agent), erin (lead).
    root: admin, no group. Tickets: `own` (support, alice), `unassigned` (support),
    `others` (support, bob), `billing` (billing, unassigned), `billing_bob` (billing, bob).
    """
    world = World(engine)
    world.groups = {name: add_group(engine, name) for name in ("support", "billing")}
    support, billing = world.groups["support"], world.groups["billing"]
    for name, role, groups in (
        ("alice", Role.AGENT, [support]),
        ("bob", Role.AGENT, [support]),
        ("carol", Role.LEAD, [support]),
        ("dave", Role.AGENT, [billing]),
        ("erin", Role.LEAD, [billing]),
        ("root", Role.ADMIN, []),
    ):
        world.agents[name] = add_agent(engine, name, role, groups)
    world.customers = {name: add_customer(engine, name) for name in ("zoe", "yann")}
    alice, bob = world.agents["alice"].id, world.agents["bob"].id
    zoe, yann = world.customers["zoe"], world.customers["yann"]
    world.tickets = {
        "own": add_ticket(engine, "Refund please", zoe, group_id=support, assignee_id=alice),
        "unassigned": add_ticket(engine, "Login trouble", zoe, group_id=support),
        "others": add_ticket(engine, "Late delivery", zoe, group_id=support, assignee_id=bob),
        "billing": add_ticket(engine, "Invoice wrong", yann, group_id=billing),
        "billing_bob": add_ticket(engine, "Double charge", yann, group_id=billing, assignee_id=bob),
    }
    return world


PG_ADMIN_URL = os.environ.get("AGENTDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_session_url(postgres_available: None) -> Iterator[str]:
    """One migrated PostgreSQL database per test session (per xdist worker), emptied per test.

    Creating and migrating a database per test costs seconds; emptying one costs milliseconds.
    Tests that need a pristine database of their own use `postgres_url` instead.
    """
    import psycopg

    name = f"agentdesk_srv_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    try:
        open_database(url).dispose()
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_postgres(url: str) -> None:
    """Every table emptied (DELETE: much faster than TRUNCATE on small tables); the change
    sequence back at 0. Id sequences keep counting, which no test relies on."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for table in reversed(SQLModel.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(text("INSERT INTO change_sequence (id, value) VALUES (1, 0)"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    url = str(request.getfixturevalue("pg_session_url"))
    empty_postgres(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of the test's own (for tests that break the schema on purpose)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'own.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = open_database(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


ClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def make_client(engine: Engine) -> AsyncIterator[ClientFactory]:
    """Build clients on a fresh app over the test's engine; options go to `create_app`."""
    clients: list[httpx.AsyncClient] = []

    def factory(**options: Any) -> httpx.AsyncClient:
        options.setdefault("token_ttl", timedelta(days=1))
        app = create_app(engine=engine, **options)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://agentdesk.test")
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


@pytest.fixture
async def client(make_client: ClientFactory) -> httpx.AsyncClient:
    return make_client()


def generous() -> RateLimit:
    return RateLimit(rate=1000, burst=10_000)
