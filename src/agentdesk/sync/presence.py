"""Who else is on which ticket: the client's view of `presence` events.

The server announces `{"agent_id", "ticket_id", "state": "viewing"|"replying"|"left"}` to
every agent who can see the ticket (the announcer included) and sends `left` itself when an
announcement is not renewed within its TTL (a client that disappeared). `PresenceBoard`
keeps what was heard, drops entries not renewed within `ttl` (in case a `left` was missed
while the stream was down) and forgets everything when the connection is lost: offline,
presence is *unknown*, never a list of stale names.

No I/O and no UI here: the engine feeds events in, the TUI reads `on_ticket`/`by_ticket`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

VIEWING = "viewing"
REPLYING = "replying"
LEFT = "left"
STATES = (VIEWING, REPLYING, LEFT)
DEFAULT_TTL = 90.0  # seconds: longer than the server's (60 s) so its `left` normally wins
RENEW_SECONDS = 20.0  # how often a client re-announces what it is doing


@dataclass(frozen=True, slots=True)
class Presence:
    agent_id: int
    state: str  # viewing | replying


class PresenceBoard:
    """Presence heard from the server, per ticket, excluding this agent's own."""

    def __init__(
        self,
        me: int | None,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.me = me
        self.ttl = ttl
        self._clock = clock
        self._seen: dict[tuple[int, int], tuple[str, float]] = {}  # (ticket, agent) -> state
        self.known = False  # False: offline or no presence on this backend

    def handle(self, data: dict[str, Any]) -> int | None:
        """Take one `presence` event; returns the ticket id if what we show changed."""
        ticket_id, agent_id, state = data.get("ticket_id"), data.get("agent_id"), data.get("state")
        if not isinstance(ticket_id, int) or not isinstance(agent_id, int):
            return None
        if state not in STATES or agent_id == self.me:
            return None
        key = (ticket_id, agent_id)
        before = self._seen.get(key)
        if state == LEFT:
            self._seen.pop(key, None)
            return ticket_id if before is not None else None
        self._seen[key] = (str(state), self._clock())
        return ticket_id if before is None or before[0] != state else None

    def set_known(self, known: bool) -> bool:
        """Connected (True) or not; losing the connection forgets everything. True if changed."""
        changed = known != self.known or (not known and bool(self._seen))
        self.known = known
        if not known:
            self._seen.clear()
        return changed

    def expire(self) -> bool:
        """Drop entries not renewed within `ttl`; True if any went."""
        limit = self._clock() - self.ttl
        stale = [key for key, (_, seen) in self._seen.items() if seen < limit]
        for key in stale:
            del self._seen[key]
        return bool(stale)

    def on_ticket(self, ticket_id: int) -> list[Presence]:
        """Others on `ticket_id`, those replying first, then by agent id."""
        found = [
            Presence(agent, state)
            for (ticket, agent), (state, _) in list(self._seen.items())
            if ticket == ticket_id
        ]
        return sorted(found, key=lambda p: (p.state != REPLYING, p.agent_id))

    def tickets(self) -> set[int]:
        return {ticket for ticket, _ in list(self._seen)}


def describe(presences: list[Presence], name_of: Callable[[int], str], *, limit: int = 3) -> str:
    """`Dana is replying · Bo is viewing` (names as given: the caller makes them safe)."""
    parts = [f"{name_of(p.agent_id)} is {p.state}" for p in presences[:limit]]
    if len(presences) > limit:
        parts.append(f"+{len(presences) - limit} more")
    return " · ".join(parts)


def short_mark(presences: list[Presence], name_of: Callable[[int], str]) -> str:
    """For a queue row: `✎ Dana` if someone replies, else `👁 Bo` (+n for more)."""
    if not presences:
        return ""
    first = presences[0]
    symbol = "✎" if first.state == REPLYING else "👁"
    more = f"+{len(presences) - 1}" if len(presences) > 1 else ""
    return f"{symbol} {name_of(first.agent_id)}{more}"
