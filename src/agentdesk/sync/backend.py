"""The one interface between the sync engine and a helpdesk backend.

The engine, the store and the TUI know only this module; each backend (the reference
server, Request Tracker 5, ...) is an adapter that maps its own API to these shapes.
See docs/backends.md for the contract and the capability table.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable


class Capability(StrEnum):
    PER_FIELD_CONFLICTS = "per-field-conflicts"  # the backend checks each field's `from`
    STALE_CHECK = "stale-check"  # whole-ticket If-Match style check; adapter derives fields
    ACK_BY_PULL = "ack-by-pull"  # pulls report last_mutation_id (outbox rows dropped then)
    REALTIME = "realtime"  # events() yields hints; else the engine polls
    PRESENCE = "presence"
    SWARMS = "swarms"
    SHARED_DRAFTS = "shared-drafts"
    SERVER_MACROS = "server-macros"


class Change(NamedTuple):
    """One row changed on the backend, in domain shape (`agentdesk.domain.models`, JSON mode).

    A named tuple rather than a dataclass: a first sync makes hundreds of thousands of them,
    and a tuple is built several times faster (its first four fields are what
    `Cache.apply_changes` unpacks)."""

    entity: str  # a key of domain.models.SYNCED_MODELS
    id: int | str
    op: Literal["upsert", "delete"]
    data: dict[str, Any] | None = None  # None for deletions
    version: int = 0


@dataclass(frozen=True, slots=True)
class PullPage:
    changes: list[Change]
    cursor: str  # opaque; store it with the page, in the same transaction
    has_more: bool
    last_mutation_id: int | None = None  # for ACK_BY_PULL backends
    refetch: bool = False  # the cursor expired: re-bootstrap (never touching the outbox)


@dataclass(frozen=True, slots=True)
class OutgoingMutation:
    id: int  # sequential per client; the idempotency key together with the client id
    name: str  # a key of domain.mutations.ARGUMENTS
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MutationResult:
    """A definite outcome. `conflicts` maps field -> {"base", "mine", "theirs"}."""

    id: int
    outcome: Literal["applied", "duplicate", "conflict", "rejected"]
    reason: str | None = None
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """A realtime event: `change` (pull now), `presence`, `swarm.message`, ..."""

    kind: str
    data: dict[str, Any]


class BackendError(Exception):
    """Base of every error a backend raises; the message is one line for the user."""


class TransientError(BackendError):
    """Network trouble, timeouts, 5xx: retry later with backoff. `retry_after` from 429.

    `delivered` is False only when the request certainly never reached the backend (the
    connection could not be opened): what it carried may then still be withdrawn."""

    def __init__(
        self, message: str, retry_after: float | None = None, *, delivered: bool = True
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.delivered = delivered


class AuthError(BackendError):
    """401: the credentials are missing, expired or revoked. Log in again; keep the outbox."""


class ForbiddenError(BackendError):
    """403 on a whole request (not a single mutation)."""


class ProtocolError(BackendError):
    """The backend answered something that is not the protocol (garbage, wrong types)."""


@runtime_checkable
class Backend(Protocol):
    """What the sync engine needs from a helpdesk."""

    kind: str  # "reference", "rt", ...
    capabilities: frozenset[Capability]

    async def pull(self, cursor: str | None, limit: int) -> PullPage:
        """Changes after `cursor` (None: initial full sync), at most about `limit` rows."""
        ...

    async def push(self, mutations: Sequence[OutgoingMutation]) -> list[MutationResult]:
        """Send mutations in order; return a definite result for a prefix of them (maybe all).

        Must never apply a mutation twice, even if a previous call's outcome was unknown.
        Raises TransientError when nothing definite is known; the engine retries the same ids.
        """
        ...

    def events(self) -> AsyncIterator[Event]:
        """Realtime events, for REALTIME backends; others return an empty iterator."""
        ...

    async def aclose(self) -> None: ...
