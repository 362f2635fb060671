"""UTC time helpers. Every timestamp in agentdesk is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Attach UTC to a naive datetime (SQLite returns naive ones); convert aware ones."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 timestamp (with `Z` or an offset; naive means UTC)."""
    return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


def to_iso(value: datetime) -> str:
    """The wire form: `2026-11-24T10:00:00.123456Z`."""
    return as_utc(value).isoformat().replace("+00:00", "Z")
