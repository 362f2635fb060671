"""Closed vocabularies used by the client, the server and every backend adapter."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on-hold"
    SOLVED = "solved"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """Work is expected from the team (the SLA clock runs)."""
        return self in (Status.NEW, Status.OPEN)

    @property
    def is_done(self) -> bool:
        return self in (Status.SOLVED, Status.CLOSED)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Higher is more urgent (urgent=3 ... low=0)."""
        return list(Priority).index(self)


class Channel(StrEnum):
    EMAIL = "email"
    CHAT = "chat"
    PHONE = "phone"
    SOCIAL = "social"
    WEB = "web"


class Role(StrEnum):
    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"


class Availability(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


class AuthorKind(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class Tier(StrEnum):
    STANDARD = "standard"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"


class SwarmStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SlaState(StrEnum):
    """How close a ticket is to breaking its SLA. Shown with a symbol, never by colour alone."""

    NONE = "none"  # no running clock (paused, done, or no policy)
    OK = "ok"
    AT_RISK = "at-risk"  # under one hour left
    BREACHED = "breached"
