"""The synced entities, as SQLModel tables.

The reference server stores these tables as they are; the client cache mirrors them (and
may add local columns of its own). Every synced row carries `version`: the server's change
sequence number at its last change, so a pull can resume after any row.

Ids: entities only the server creates (tickets, customers, agents...) have integer ids;
entities the client can create (messages, swarms, canned responses, saved views...) have
UUIDv7 string ids made by the client, so a re-sent insert is harmless.

Bulk paths (seeding, initial sync) must not build these objects one by one: use
`Model.__table__` with SQLAlchemy Core or plain sqlite3 `executemany`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, String, TypeDecorator
from sqlmodel import Field, SQLModel

from agentdesk.domain.enums import (
    AuthorKind,
    Availability,
    Channel,
    Priority,
    Role,
    Status,
    SwarmStatus,
    Tier,
)
from agentdesk.domain.timeutil import as_utc


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (naive text) and PostgreSQL (timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class EnumValue(TypeDecorator[StrEnum]):
    """A StrEnum stored as its plain value (`on-hold`), not its name, and not a native enum type."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> StrEnum | None:
        return None if value is None else self.enum_cls(value)


def _enum(enum_cls: type[StrEnum], default: Any, *, index: bool = False) -> Any:
    nullable = default is None
    return Field(
        default=default,
        sa_column=Column(EnumValue(enum_cls), nullable=nullable, index=index),
    )


def _version() -> Any:
    return Field(default=0, sa_column=Column(BigInteger, nullable=False, index=True))


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def _json_dict() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    kwargs: dict[str, Any] = {"sa_column": Column(UTCDateTime(), nullable=nullable, index=index)}
    if nullable:
        kwargs["default"] = None
    return Field(**kwargs)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisations"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    domain: str | None = None
    tier: Tier = _enum(Tier, Tier.STANDARD)
    notes: str = ""
    version: int = _version()


class Customer(SQLModel, table=True):
    __tablename__ = "customers"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    email: str = Field(index=True, unique=True)
    phone: str | None = None
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    tier: Tier = _enum(Tier, Tier.STANDARD)
    notes: str = ""
    created_at: datetime = _ts()
    version: int = _version()


class Group(SQLModel, table=True):
    __tablename__ = "groups"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    description: str = ""
    version: int = _version()


class Agent(SQLModel, table=True):
    __tablename__ = "agents"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    email: str = Field(index=True, unique=True)
    role: Role = _enum(Role, Role.AGENT)
    group_ids: list[int] = _json_list()
    skills: list[str] = _json_list()
    availability: Availability = _enum(Availability, Availability.OFFLINE)
    capacity: int = 20
    signature: str = ""
    active: bool = True
    version: int = _version()


class SlaPolicy(SQLModel, table=True):
    """First-reply and resolution targets, in minutes, per priority.

    `targets` maps a priority to `{"first_reply": minutes, "resolution": minutes}`.
    A policy applies to customers of `tier` (None: the default policy).
    """

    __tablename__ = "sla_policies"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    tier: Tier | None = _enum(Tier, None)
    targets: dict[str, dict[str, int]] = _json_dict()
    version: int = _version()


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"

    id: int | None = Field(default=None, primary_key=True)
    subject: str
    status: Status = _enum(Status, Status.NEW, index=True)
    priority: Priority = _enum(Priority, Priority.NORMAL)
    channel: Channel = _enum(Channel, Channel.EMAIL)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="agents.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="groups.id", index=True)
    tags: list[str] = _json_list()
    sla_policy_id: int | None = Field(default=None, foreign_key="sla_policies.id")
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    first_reply_at: datetime | None = _ts(nullable=True)
    solved_at: datetime | None = _ts(nullable=True)
    first_reply_due: datetime | None = _ts(nullable=True)
    resolution_due: datetime | None = _ts(nullable=True)
    # The SLA deadline that matters now (domain.sla.next_due); indexed for "soonest first".
    sla_due_at: datetime | None = _ts(nullable=True, index=True)
    merged_into_id: int | None = None
    version: int = _version()


class Message(SQLModel, table=True):
    """One entry of a ticket's thread: a customer message, a public reply or an internal note."""

    __tablename__ = "messages"

    id: str = Field(primary_key=True)  # UUIDv7, made by whoever writes it
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    public: bool = True  # False: internal note, never shown to the customer
    author_kind: AuthorKind = _enum(AuthorKind, AuthorKind.CUSTOMER)
    author_id: int | None = None  # an agent id or a customer id, per author_kind
    body: str = ""
    channel: Channel = _enum(Channel, Channel.EMAIL)
    created_at: datetime = _ts()
    version: int = _version()


class CannedResponse(SQLModel, table=True):
    """A macro: a Liquid body plus optional field actions.

    `actions` is `{"status": ..., "priority": ..., "assignee_id": ..., "add_tags": [...],
    "remove_tags": [...]}`, every key optional. `owner_id` None means shared with everyone.
    """

    __tablename__ = "canned_responses"

    id: str = Field(primary_key=True)
    title: str
    body: str
    category: str = "General"
    tags: list[str] = _json_list()
    actions: dict[str, Any] = _json_dict()
    owner_id: int | None = Field(default=None, index=True)
    usage_count: int = 0
    updated_at: datetime = _ts()
    version: int = _version()


class SavedView(SQLModel, table=True):
    """A named queue: a search query (the FTS filter syntax) and a sort. `owner_id` None: shared."""

    __tablename__ = "saved_views"

    id: str = Field(primary_key=True)
    name: str
    query: str = ""
    sort: str = "sla"
    owner_id: int | None = Field(default=None, index=True)
    position: int = 0
    version: int = _version()


class Swarm(SQLModel, table=True):
    __tablename__ = "swarms"

    id: str = Field(primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    owner_id: int = Field(foreign_key="agents.id")
    member_ids: list[int] = _json_list()
    ask: str = ""
    status: SwarmStatus = _enum(SwarmStatus, SwarmStatus.OPEN)
    outcome: str | None = None
    created_at: datetime = _ts()
    closed_at: datetime | None = _ts(nullable=True)
    version: int = _version()


class SwarmMessage(SQLModel, table=True):
    __tablename__ = "swarm_messages"

    id: str = Field(primary_key=True)
    swarm_id: str = Field(foreign_key="swarms.id", index=True)
    author_id: int = Field(foreign_key="agents.id")
    body: str
    created_at: datetime = _ts()
    version: int = _version()


class SharedDraft(SQLModel, table=True):
    """A reply or note draft its owner shared with reviewers (issue 9); the owner sends it.

    `comments` is a list of {id, author_id, body, created_at} (appended, never edited);
    `status` is "open", then "sent" (with `message_id`) or "withdrawn".
    """

    __tablename__ = "shared_drafts"

    id: str = Field(primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    owner_id: int = Field(foreign_key="agents.id")
    reviewer_ids: list[int] = _json_list()
    body: str = ""
    public: bool = True
    comments: list[dict[str, Any]] = _json_list()
    status: str = "open"
    message_id: str | None = None
    edited_by: int | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    version: int = _version()


class SatisfactionRating(SQLModel, table=True):
    __tablename__ = "satisfaction_ratings"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    score: int  # 1 (very unhappy) .. 5 (very happy)
    comment: str = ""
    created_at: datetime = _ts()
    version: int = _version()


# Entity name on the wire (GET /v1/changes) -> table model. Order: parents before children.
SYNCED_MODELS: dict[str, type[SQLModel]] = {
    "organisation": Organisation,
    "customer": Customer,
    "group": Group,
    "agent": Agent,
    "sla_policy": SlaPolicy,
    "ticket": Ticket,
    "message": Message,
    "canned_response": CannedResponse,
    "saved_view": SavedView,
    "swarm": Swarm,
    "swarm_message": SwarmMessage,
    "shared_draft": SharedDraft,
    "satisfaction_rating": SatisfactionRating,
}
