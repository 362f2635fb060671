"""Seed a server database with realistic, deterministic support data.

`seed_database(url, tickets=..., agents=..., seed=..., password=...)` creates (or migrates)
the schema, then writes groups, SLA policies, agents with credentials, organisations,
customers, canned responses, saved views, and tickets with their threads and ratings.
The same seed (and the same `now`) gives the same rows.

Speed: rows are tuples written by `seed_data.writers` in large batches (sqlite3
`executemany`, PostgreSQL `COPY`), never ORM objects; names come from pools drawn once with
Faker. Every synced row gets its own version, increasing in insertion order (parents first),
and `change_sequence` ends at the highest one, committed with every batch.

A database that already holds synced rows is refused unless `append=True`; appending reuses
groups and SLA policies by name, adds new agents, customers and tickets after the existing
ids and versions, and adds canned responses and views only if there are none. Append while
no server is writing to the database.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from agentdesk.domain.enums import Availability, Role, Tier
from agentdesk.domain.models import (
    SYNCED_MODELS,
    Agent,
    CannedResponse,
    Customer,
    Group,
    SavedView,
    SlaPolicy,
)
from agentdesk.domain.timeutil import as_utc
from agentdesk.server.passwords import hash_password
from agentdesk.server.seed_data import library, people
from agentdesk.server.seed_data.scenarios import BRAND
from agentdesk.server.seed_data.tickets import (
    MESSAGE_COLUMNS,
    RATING_COLUMNS,
    SWARM_COLUMNS,
    SWARM_MESSAGE_COLUMNS,
    TICKET_COLUMNS,
    AgentRef,
    ChunkRows,
    CustomerRef,
    TicketWorld,
    format_ts,
    generate_chunk,
    plan_timeline,
    uuid7_at,
)
from agentdesk.server.seed_data.writers import BulkWriter, open_writer
from agentdesk.server.tables import AgentCredential

DEFAULT_SEED = 42
DEFAULT_PASSWORD = "demo"
CHUNK_TICKETS = 20_000
CUSTOMER_NOTES = (
    "Prefers phone calls.",
    "Speaks German; English is fine for written replies.",
    "Long-time customer since the first Aurora.",
    "Had a chargeback last year, check payments carefully.",
    "Account manager: see CRM.",
    "Asked not to receive marketing email.",
)

# Synced tables the seed writes, in the order it writes them (parents first).
SEEDED_TABLES = (
    "groups",
    "sla_policies",
    "agents",
    "organisations",
    "customers",
    "canned_responses",
    "saved_views",
    "tickets",
    "messages",
    "satisfaction_ratings",
    "swarms",
    "swarm_messages",
)

Progress = Callable[[int, int], None]  # (tickets written, tickets total)


class SeedError(Exception):
    """Seeding cannot start or continue; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class SeedAccount:
    id: int
    email: str
    name: str
    role: str
    groups: list[str]


@dataclass(slots=True)
class SeedReport:
    database: str  # the URL without its password
    seed: int
    tickets: int
    counts: dict[str, int]  # rows written per table
    groups: list[dict[str, Any]]
    accounts: list[SeedAccount]
    password: str
    seconds: float
    last_version: int
    appended: bool = False

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["rows"] = self.rows
        return data


def default_agent_count(tickets: int) -> int:
    return max(12, min(60, tickets // 2500))


def seed_database(
    url: str | None = None,
    *,
    tickets: int = 1000,
    agents: int | None = None,
    seed: int = DEFAULT_SEED,
    password: str = DEFAULT_PASSWORD,
    append: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
    chunk_tickets: int = CHUNK_TICKETS,
) -> SeedReport:
    """Seed `url` (default: the server's database in the data directory); see module doc."""
    from agentdesk.paths import server_db_url
    from agentdesk.server.db import DatabaseError, open_database

    started = time.perf_counter()
    url = url or server_db_url()
    if tickets < 0:
        raise SeedError("--tickets must be zero or more")
    agent_count = default_agent_count(tickets) if agents is None else agents
    if agent_count < 1:
        raise SeedError("--agents must be at least 1")
    if not password:
        raise SeedError("--password must not be empty")
    now_ts = int(as_utc(now or datetime.now(UTC)).timestamp())

    try:
        engine = open_database(url)
    except DatabaseError as exc:
        raise SeedError(str(exc)) from exc
    try:
        existing = _Existing.read(engine)
    finally:
        engine.dispose()
    if existing.row_count and not append:
        raise SeedError(
            f"{_safe_url(url)} already holds data ({existing.describe()}); "
            "seed an empty database or pass --append"
        )

    try:
        writer = open_writer(url, fresh=existing.row_count == 0)
    except Exception as exc:
        raise _driver_error(exc, "cannot write to") from exc
    seeder = _Seeder(writer, existing, seed=seed, now_ts=now_ts, password=password)
    try:
        report = seeder.run(tickets, agent_count, progress, chunk_tickets)
        writer.finish()
    except BaseException as exc:
        with contextlib.suppress(Exception):
            writer.abort()
        if isinstance(exc, Exception):
            raise _driver_error(exc, "seeding stopped on") from exc
        raise
    report.database = _safe_url(url)
    report.appended = existing.row_count > 0
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _driver_error(exc: Exception, doing: str) -> Exception:
    """A database driver's error as a one-line `SeedError`; anything else unchanged."""
    module = type(exc).__module__
    if not (module.startswith(("sqlite3", "psycopg", "sqlalchemy"))):
        return exc
    lines = str(exc).strip().splitlines()
    return SeedError(f"{doing} the database: {lines[0] if lines else type(exc).__name__}")


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@dataclass(slots=True)
class _Existing:
    """What is already in the database (all empty for a fresh one)."""

    row_count: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    max_ids: dict[str, int] = field(default_factory=dict)
    version: int = 0
    groups: dict[str, int] = field(default_factory=dict)
    policies: dict[str, tuple[int, Tier | None, dict[str, dict[str, int]]]] = field(
        default_factory=dict
    )
    emails: set[str] = field(default_factory=set)
    has_library: bool = False

    @classmethod
    def read(cls, engine: Engine) -> _Existing:
        found = cls()
        with engine.connect() as conn:
            for model in SYNCED_MODELS.values():
                table = model.__table__  # type: ignore[attr-defined]
                count = conn.execute(select(func.count()).select_from(table)).scalar_one()
                found.counts[table.name] = int(count)
                if "id" in table.c and str(table.c.id.type).upper().startswith(
                    ("INTEGER", "BIGINT")
                ):
                    top = conn.execute(select(func.max(table.c.id))).scalar_one()
                    found.max_ids[table.name] = int(top or 0)
            found.row_count = sum(found.counts.values())
            found.version = int(
                conn.execute(text("SELECT value FROM change_sequence WHERE id = 1")).scalar_one()
            )
            if not found.row_count:
                return found
            found.groups = {g.name: g.id for g in conn.execute(select(Group.__table__))}
            for row in conn.execute(select(SlaPolicy.__table__)):
                found.policies[row.name] = (row.id, row.tier, row.targets)
            for table in (Agent.__table__, Customer.__table__):  # type: ignore[attr-defined]
                found.emails.update(e.lower() for (e,) in conn.execute(select(table.c.email)))
            found.has_library = bool(
                found.counts.get("canned_responses") or found.counts.get("saved_views")
            )
        return found

    def describe(self) -> str:
        shown = [f"{n:,} {name}" for name, n in self.counts.items() if n][:3]
        return ", ".join(shown)


class _Seeder:
    def __init__(
        self, writer: BulkWriter, existing: _Existing, *, seed: int, now_ts: int, password: str
    ) -> None:
        self.writer = writer
        self.existing = existing
        self.seed = seed
        # Random streams: by seed alone on a fresh database; an append also mixes in where it
        # starts, so appending with the same seed makes new rows (and new message ids).
        self.stream = str(seed) if not existing.row_count else f"{seed}@{existing.version}"
        self.now = now_ts
        self.password = password
        self.version = existing.version
        self.counts: dict[str, int] = dict.fromkeys(SEEDED_TABLES, 0)
        self.emails = set(existing.emails)

    # -- helpers ------------------------------------------------------------------------

    def rng(self, purpose: str) -> random.Random:
        return random.Random(f"{self.stream}/{purpose}")

    def next_id(self, table: str) -> int:
        return self.existing.max_ids.get(table, 0) + 1

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        self.writer.insert(table, columns, rows)
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def take_version(self) -> int:
        self.version += 1
        return self.version

    def unique_email(self, local: str, domain: str, rng: random.Random) -> str:
        email = f"{local}@{domain}"
        while email.lower() in self.emails:
            email = f"{local}{rng.randrange(2, 999)}@{domain}"
        self.emails.add(email.lower())
        return email

    # -- the run --------------------------------------------------------------------------

    def run(
        self, tickets: int, agent_count: int, progress: Progress | None, chunk_tickets: int
    ) -> SeedReport:
        customer_count = max(20, tickets // 3)
        org_count = max(5, customer_count // 12)
        pools = people.build_pools(
            self.seed, names=1200, companies=min(6000, max(200, int(org_count * 1.2)))
        )
        group_ids = self.seed_groups()
        policies = self.seed_policies()
        agents = self.seed_agents(pools, agent_count, group_ids)
        orgs = self.seed_organisations(pools, org_count)
        customers = self.seed_customers(pools, customer_count, orgs)
        if not self.existing.has_library:
            self.seed_library(agents)
        self.writer.insert(
            AgentCredential.__tablename__,
            ("agent_id", "password_hash", "updated_at"),
            # One scrypt hash (own salt) per agent: about 30 ms each.
            [(a.id, hash_password(self.password), format_ts(self.now)) for a in agents],
        )
        self.writer.set_change_sequence(self.version)
        self.writer.commit()

        by_group: dict[int, list[AgentRef]] = {0: []}
        for agent in agents:
            ref = AgentRef(agent.id, agent.name.split()[0], agent.signature)
            by_group[0].append(ref)
            for group_id in agent.group_ids:
                by_group.setdefault(group_id, []).append(ref)
        world = TicketWorld(
            stream=self.stream,
            now=self.now,
            customers=customers,
            pools=pools,
            group_ids=group_ids,
            agents_by_group=by_group,
            policies=policies,
        )
        self.seed_tickets(world, tickets, progress, chunk_tickets)
        return SeedReport(
            database="",
            seed=self.seed,
            tickets=tickets,
            counts=dict(self.counts),
            groups=[
                {"id": group_ids[name], "name": name, "description": description}
                for name, description in library.GROUPS
            ],
            accounts=[
                SeedAccount(
                    id=a.id,
                    email=a.email,
                    name=a.name,
                    role=a.role.value,
                    groups=[name for name, gid in group_ids.items() if gid in a.group_ids],
                )
                for a in agents
            ],
            password=self.password,
            seconds=0.0,
            last_version=self.version,
        )

    def seed_groups(self) -> dict[str, int]:
        ids = dict(self.existing.groups)
        rows = []
        next_id = self.next_id("groups")
        for name, description in library.GROUPS:
            if name in ids:
                continue
            ids[name] = next_id
            rows.append((next_id, name, description, self.take_version()))
            next_id += 1
        self.write("groups", ("id", "name", "description", "version"), rows)
        return {name: ids[name] for name, _ in library.GROUPS}

    def seed_policies(self) -> dict[Tier, tuple[int, dict[str, dict[str, int]]]]:
        by_tier: dict[Tier, tuple[int, dict[str, dict[str, int]]]] = {}
        rows = []
        next_id = self.next_id("sla_policies")
        for name, tier, targets in library.SLA_POLICIES:
            known = self.existing.policies.get(name)
            if known is not None:
                policy_id, targets = known[0], known[2]
            else:
                policy_id = next_id
                next_id += 1
                rows.append(
                    (
                        policy_id,
                        name,
                        tier.value if tier else None,
                        json.dumps(targets),
                        self.take_version(),
                    )
                )
            if tier is not None:
                by_tier[tier] = (policy_id, targets)
        self.write("sla_policies", ("id", "name", "tier", "targets", "version"), rows)
        return by_tier

    def seed_agents(
        self, pools: people.Pools, count: int, group_ids: dict[str, int]
    ) -> list[Agent]:
        """Agents: an admin, a lead per group, the rest agents (round robin over groups)."""
        rng = self.rng("agents")
        groups = list(group_ids)
        agents: list[Agent] = []
        next_id = self.next_id("agents")
        for index in range(count):
            first = rng.choice(pools.first_names)
            last = rng.choice(pools.last_names)
            if index == 0:
                role, member_of = Role.ADMIN, groups
            elif index <= len(groups):
                role, member_of = Role.LEAD, [groups[index - 1]]
            else:
                home = groups[(index - 1) % len(groups)]
                member_of = [home]
                if rng.random() < 0.25:
                    member_of.append(rng.choice([g for g in groups if g != home]))
                role = Role.AGENT
            skills: list[str] = []
            for group in member_of:
                options = library.GROUP_SKILLS[group]
                skills += rng.sample(options, k=min(len(options), rng.randint(2, 3)))
            if rng.random() < 0.35:
                skills.append(rng.choice(library.LANGUAGE_SKILLS))
            roll = rng.random()
            availability = (
                Availability.AVAILABLE
                if roll < 0.6
                else Availability.AWAY
                if roll < 0.8
                else Availability.OFFLINE
            )
            title = {
                Role.ADMIN: f"Support operations · {BRAND}",
                Role.LEAD: f"Team lead, {member_of[0]} · {BRAND}",
            }.get(role, f"{BRAND} Customer Care")
            agents.append(
                Agent(
                    id=next_id + index,
                    name=f"{first} {last}",
                    email=self.unique_email(
                        people.email_local(first, last), people.AGENT_DOMAIN, rng
                    ),
                    role=role,
                    group_ids=[group_ids[g] for g in member_of],
                    skills=sorted(set(skills)),
                    availability=availability,
                    capacity=rng.choice((15, 20, 20, 25, 30)) if role is Role.AGENT else 10,
                    signature=f"{first} {last}\n{title}",
                    active=True,
                )
            )
        rows = [
            (
                a.id,
                a.name,
                a.email,
                a.role.value,
                json.dumps(a.group_ids),
                json.dumps(a.skills),
                a.availability.value,
                a.capacity,
                a.signature,
                True,
                self.take_version(),
            )
            for a in agents
        ]
        self.write(
            "agents",
            (
                "id",
                "name",
                "email",
                "role",
                "group_ids",
                "skills",
                "availability",
                "capacity",
                "signature",
                "active",
                "version",
            ),
            rows,
        )
        return agents

    def seed_organisations(self, pools: people.Pools, count: int) -> list[people.OrgRow]:
        orgs = people.organisation_rows(
            pools, self.rng("organisations"), count, self.next_id("organisations")
        )
        rng = self.rng("organisation-notes")
        rows = [
            (
                o.id,
                o.name,
                o.domain,
                o.tier.value,
                "Key account: escalate outages to the account manager."
                if o.tier is Tier.ENTERPRISE and rng.random() < 0.5
                else "",
                self.take_version(),
            )
            for o in orgs
        ]
        self.write("organisations", ("id", "name", "domain", "tier", "notes", "version"), rows)
        return orgs

    def seed_customers(
        self, pools: people.Pools, count: int, orgs: list[people.OrgRow]
    ) -> list[CustomerRef]:
        rng = self.rng("customers")
        first_id = self.next_id("customers")
        refs: list[CustomerRef] = []
        rows: list[tuple[Any, ...]] = []
        since_floor = self.now - 3 * 365 * 86400
        firsts, lasts, phones = pools.first_names, pools.last_names, pools.phone_numbers
        for index in range(count):
            first = firsts[int(len(firsts) * rng.random())]
            last = lasts[int(len(lasts) * rng.random())]
            local = people.email_local(first, last)
            org = orgs[int(len(orgs) * rng.random() ** 1.3)] if rng.random() < 0.7 else None
            if org is not None:
                domain, tier = org.domain, org.tier
            else:
                domain = people.FREE_MAIL[int(len(people.FREE_MAIL) * rng.random())]
                tier = Tier.PREMIUM if rng.random() < 0.05 else Tier.STANDARD
                if rng.random() < 0.5:
                    local = f"{local}{rng.randrange(1, 99)}"
            email = self.unique_email(local, domain, rng)
            customer_id = first_id + index
            rows.append(
                (
                    customer_id,
                    f"{first} {last}",
                    email,
                    phones[int(len(phones) * rng.random())] if rng.random() < 0.6 else None,
                    org.id if org else None,
                    tier.value,
                    rng.choice(CUSTOMER_NOTES) if rng.random() < 0.08 else "",
                    format_ts(since_floor + rng.randrange(3 * 365 * 86400 - 86400)),
                    self.take_version(),
                )
            )
            refs.append(CustomerRef(customer_id, first, tier, org.name if org else None))
        self.write(
            "customers",
            (
                "id",
                "name",
                "email",
                "phone",
                "organisation_id",
                "tier",
                "notes",
                "created_at",
                "version",
            ),
            rows,
        )
        return refs

    def seed_library(self, agents: list[Agent]) -> None:
        rng = self.rng("library")
        stamp = format_ts(self.now)
        canned_rows = []
        entries: list[tuple[library.Canned, int | None]] = [
            (c, None) for c in library.CANNED_RESPONSES
        ]
        # A few personal macros, so "shared or personal" is visible.
        for agent in agents[1:4]:
            first = agent.name.split()[0]
            entries.append(
                (
                    library.Canned(
                        f"{first}'s quick thanks",
                        "Personal",
                        "Thanks {{ customer.first_name }}, that helps a lot! I will update "
                        "ticket #{{ ticket.id }} shortly.\n\n{{ agent.first_name }}",
                    ),
                    agent.id,
                )
            )
        for index, (canned, owner) in enumerate(entries):
            canned_rows.append(
                (
                    uuid7_at((self.now - 86400 * 30) * 1000 + index, rng.getrandbits(74)),
                    canned.title,
                    canned.body,
                    canned.category,
                    json.dumps(list(canned.tags)),
                    json.dumps(canned.actions),
                    owner,
                    int(rng.random() ** 2 * 4000),
                    stamp,
                    self.take_version(),
                )
            )
        self.write(
            CannedResponse.__tablename__,
            (
                "id",
                "title",
                "body",
                "category",
                "tags",
                "actions",
                "owner_id",
                "usage_count",
                "updated_at",
                "version",
            ),
            canned_rows,
        )
        view_rows = [
            (
                uuid7_at((self.now - 86400 * 30) * 1000 + 500 + index, rng.getrandbits(74)),
                name,
                query,
                sort,
                None,
                index,
                self.take_version(),
            )
            for index, (name, query, sort) in enumerate(library.SAVED_VIEWS)
        ]
        self.write(
            SavedView.__tablename__,
            ("id", "name", "query", "sort", "owner_id", "position", "version"),
            view_rows,
        )

    def seed_tickets(
        self, world: TicketWorld, tickets: int, progress: Progress | None, chunk_tickets: int
    ) -> None:
        """Generate and write chunk by chunk, one transaction per chunk, in order.

        (Generating the next chunk in a writer thread's shadow was measured: no faster.)"""
        timeline = plan_timeline(world, tickets)
        first_ticket_id = self.next_id("tickets")
        rating_id = self.next_id("satisfaction_ratings")
        for chunk, start in enumerate(range(0, tickets, chunk_tickets)):
            stop = min(tickets, start + chunk_tickets)
            rows = generate_chunk(
                world, timeline, chunk, start, stop, first_ticket_id, self.version + 1, rating_id
            )
            self.version = rows.next_version - 1
            rating_id = rows.next_rating_id
            self.write_chunk(rows, self.version, stop, tickets, progress)

    def write_chunk(
        self, rows: ChunkRows, version: int, done: int, total: int, progress: Progress | None
    ) -> None:
        self.write("tickets", TICKET_COLUMNS, rows.tickets)
        self.write("messages", MESSAGE_COLUMNS, rows.messages)
        self.write("satisfaction_ratings", RATING_COLUMNS, rows.ratings)
        self.write("swarms", SWARM_COLUMNS, rows.swarms)
        self.write("swarm_messages", SWARM_MESSAGE_COLUMNS, rows.swarm_messages)
        self.writer.set_change_sequence(version)
        self.writer.commit()
        if progress is not None:
            progress(done, total)
