"""Server-only tables: credentials, tokens, per-client sync state, tombstones, the change sequence.

They share `SQLModel.metadata` with the synced entities of `agentdesk.domain.models`; the
client cache never creates them (it creates only `SYNCED_MODELS`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from agentdesk.domain.models import UTCDateTime


class ChangeSequence(SQLModel, table=True):
    """One row (id=1): the last change sequence number handed out. Locked by every write."""

    __tablename__ = "change_sequence"

    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class Tombstone(SQLModel, table=True):
    """A deleted synced row, so pulls can tell clients to drop it."""

    __tablename__ = "tombstones"

    id: int | None = Field(default=None, primary_key=True)
    entity: str
    entity_id: str  # str() of the deleted row's id
    version: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class AgentCredential(SQLModel, table=True):
    __tablename__ = "agent_credentials"

    agent_id: int = Field(primary_key=True, foreign_key="agents.id")
    password_hash: str
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ApiToken(SQLModel, table=True):
    """A bearer token, stored only as its SHA-256 (tokens are long random strings)."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked: bool = False
    description: str = ""


class IntakeKey(SQLModel, table=True):
    """A key for inbound channels (web form, mail gateway) to create tickets; stored hashed."""

    __tablename__ = "intake_keys"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(index=True, unique=True)
    name: str = ""


class SyncClient(SQLModel, table=True):
    """A client install (one per profile): its owner and the last mutation id it had applied."""

    __tablename__ = "sync_clients"

    client_id: str = Field(primary_key=True)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    last_mutation_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class MutationRecord(SQLModel, table=True):
    """The stored result of an applied (or rejected) mutation, returned again on a duplicate."""

    __tablename__ = "mutation_records"
    __table_args__ = (UniqueConstraint("client_id", "mutation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(index=True)
    mutation_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    name: str
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TicketAccessLoss(SQLModel, table=True):
    """A ticket left a group or an assignee: who may have lost sight of it, and when.

    Pulls of agents in `group_id` (or who are `agent_id`) turn it into deletions of the ticket
    and its thread, if they cannot see the ticket any more (docs/protocol.md, Pull).
    """

    __tablename__ = "ticket_access_losses"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(index=True)
    group_id: int | None = None
    agent_id: int | None = None
    version: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
