"""The sync engine's observable state, for the status bar, the CLI and tests.

No Textual here: observers register a plain callback; the TUI adapts it to a message
(`call_from_thread`/`post_message`) on its side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)


class SyncStatus(StrEnum):
    ONLINE = "online"  # the last exchange with the backend succeeded
    OFFLINE = "offline"  # the backend is unreachable; retrying with backoff
    SYNCING = "syncing"  # pushing or pulling right now
    ERROR = "error"  # stopped until a person acts (login expired, protocol error)


@dataclass(frozen=True, slots=True)
class SyncState:
    status: SyncStatus = SyncStatus.OFFLINE
    reason: str | None = None  # one line, for offline and error
    pending: int = 0  # outbox rows not yet acknowledged
    conflicts: int = 0  # unresolved field conflicts
    rejected: int = 0  # mutations the server refused (kept with their reason)
    last_success_at: datetime | None = None
    retry_in: float | None = None  # seconds until the next attempt, while offline
    progress: tuple[int, int | None] | None = None  # (rows pulled, total if known) on first sync

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "reason": self.reason,
            "pending": self.pending,
            "conflicts": self.conflicts,
            "rejected": self.rejected,
            "last_success_at": self.last_success_at.isoformat().replace("+00:00", "Z")
            if self.last_success_at
            else None,
        }


Listener = Callable[[SyncState], None]


class StateHolder:
    """Holds the current `SyncState` and tells every subscriber about each change."""

    def __init__(self, state: SyncState | None = None) -> None:
        self._state = state or SyncState()
        self._listeners: list[Listener] = []

    @property
    def current(self) -> SyncState:
        return self._state

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` now and after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        listener(self._state)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def update(self, **changes: Any) -> SyncState:
        new = replace(self._state, **changes)
        if new == self._state:
            return new
        self._state = new
        for listener in list(self._listeners):
            try:
                listener(new)
            except Exception:  # an observer's bug must never stop syncing
                log.exception("sync state listener failed")
        return new
