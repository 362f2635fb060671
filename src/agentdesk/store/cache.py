"""`Cache`: the local SQLite cache of one profile (see `agentdesk.store` for the API map)."""

from __future__ import annotations

from pathlib import Path

from agentdesk.paths import cache_file
from agentdesk.store.apply import ApplyMixin
from agentdesk.store.outbox import OutboxMixin
from agentdesk.store.queries import QueriesMixin


class Cache(ApplyMixin, OutboxMixin, QueriesMixin):
    """One profile's cache file: pulled rows, the outbox, conflicts, drafts, queries."""

    @classmethod
    def open(cls, path: Path) -> Cache:
        cache: Cache = super().open(path)
        return cache

    @classmethod
    def for_profile(cls, profile: str) -> Cache:
        """Open the cache file of `profile` in the platform data directory."""
        return cls.open(cache_file(profile))
