"""Realtime: `GET /v1/events` (server-sent events) and `POST /v1/presence`.

The `Broadcaster` fans events out to the open streams of this process. Handlers (which run
in worker threads) publish after their transaction commits; each stream gets only what its
agent may see (`Audience`). On PostgreSQL a `pgrelay.PgRelay` carries every event through
LISTEN/NOTIFY to all server processes (`serve --workers N`), each delivering to its own
streams; on SQLite, or while the relay is down, delivery is local. A housekeeping task also
polls `change_sequence`, so writes made elsewhere (the seeder, a relay outage) still produce
`change` hints.

Events: `change {"version"}`, `presence {"agent_id", "ticket_id", "state"}` (to agents who
can see the ticket, the announcer included; every process keeps the presence it heard and
expires it after `presence_ttl` unless refreshed, then sends `left` to its streams),
`swarm.message {SwarmMessage}` (to the swarm's members). A `: keep-alive` comment line is
sent when nothing else was sent for `keepalive_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import anyio
from fastapi import APIRouter, Depends
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from sqlalchemy import Engine, select, text

from agentdesk.domain.models import Ticket
from agentdesk.server.auth import CurrentCaller
from agentdesk.server.permissions import Caller, can_see_ticket
from agentdesk.server.problems import Problem, responses
from agentdesk.server.state import ServerState, server_state
from agentdesk.server.wire import dumps, table_of

log = logging.getLogger("agentdesk.server")

TICKETS = table_of(Ticket)
QUEUE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class ServerEvent:
    kind: str
    data: dict[str, Any]

    def encode(self) -> bytes:
        return f"event: {self.kind}\ndata: ".encode() + dumps(self.data) + b"\n\n"


_CLOSE = ServerEvent("close", {})


@dataclass(eq=False)
class Subscriber:
    caller: Caller
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[ServerEvent] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )

    def offer(self, event: ServerEvent) -> None:
        """Called on the subscriber's loop. A full queue collapses into one change hint."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(ServerEvent("change", {"version": None}))


@dataclass(frozen=True, slots=True)
class Audience:
    """Who receives an event: everyone (both None), listed agents, or who can see a ticket.

    Serialisable, so events can travel between processes (see `pgrelay`).
    """

    agent_ids: frozenset[int] | None = None
    ticket: dict[str, Any] | None = None  # {"id", "group_id", "assignee_id"}

    def admits(self, caller: Caller) -> bool:
        if self.agent_ids is not None and caller.agent_id not in self.agent_ids:
            return False
        return self.ticket is None or can_see_ticket(caller, self.ticket)

    def to_json(self) -> dict[str, Any]:
        agents = None if self.agent_ids is None else sorted(self.agent_ids)
        return {"agent_ids": agents, "ticket": self.ticket}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Audience:
        if not data:
            return EVERYONE
        agents = data.get("agent_ids")
        return cls(None if agents is None else frozenset(agents), data.get("ticket"))


EVERYONE = Audience()


def _ticket_scope(ticket: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": int(ticket["id"]),
        "group_id": ticket.get("group_id"),
        "assignee_id": ticket.get("assignee_id"),
    }


@dataclass
class _Presence:
    agent_id: int
    ticket: dict[str, Any]
    state: str
    expires: float


class Relay(Protocol):
    """Carries events to every server process (this one included): `pgrelay.PgRelay`."""

    @property
    def running(self) -> bool: ...

    def send(self, envelope: dict[str, Any]) -> None: ...


class Broadcaster:
    """Thread-safe fan-out of events to the streams of this process.

    Publishing makes an envelope `{"kind", "data", "audience"}`; with a running relay it
    goes to every process (each hands it to its own `receive`), else straight to `receive`.
    Presence is kept per process, updated by every presence envelope received.
    """

    def __init__(self, engine: Engine, *, presence_ttl: float = 60.0, poll_seconds: float = 2.0):
        self._engine = engine
        self._presence_ttl = presence_ttl
        self._poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._subscribers: set[Subscriber] = set()
        self._presence: dict[tuple[int, int], _Presence] = {}
        self._last_version = 0  # highest change hint delivered to local streams
        self._last_sent = 0  # highest change hint this process published
        self._closed = False
        self.relay: Relay | None = None

    # -- subscribers -------------------------------------------------------------------

    def subscribe(self, caller: Caller) -> Subscriber:
        """Call from the event loop that will read the subscriber's queue."""
        subscriber = Subscriber(caller, asyncio.get_running_loop())
        with self._lock:
            if self._closed:
                subscriber.queue.put_nowait(_CLOSE)
            self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def close(self) -> None:
        """End every open stream (server shutdown)."""
        with self._lock:
            self._closed = True
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            self._deliver(subscriber, _CLOSE)

    # -- publishing (any thread) ---------------------------------------------------------

    def publish(self, kind: str, data: dict[str, Any], audience: Audience = EVERYONE) -> None:
        envelope = {"kind": kind, "data": data, "audience": audience.to_json()}
        relay = self.relay
        if relay is not None and relay.running:
            try:
                relay.send(envelope)
                return
            except Exception as exc:  # too large, or the database blipped: this process only
                log.warning("events: relaying %s failed (%s); delivering locally", kind, exc)
        self.receive(envelope)

    def publish_change(self, version: int, agent_ids: Iterable[int] | None = None) -> None:
        """A write committed with `version`: every stream should pull (or only the streams
        of `agent_ids`, when only they can see what changed, e.g. a swarm message)."""
        with self._lock:
            if version <= self._last_sent:
                return
            self._last_sent = version
        audience = EVERYONE if agent_ids is None else Audience(agent_ids=frozenset(agent_ids))
        self.publish("change", {"version": version}, audience)

    def publish_to_agents(self, kind: str, data: dict[str, Any], agent_ids: Iterable[int]) -> None:
        self.publish(kind, data, Audience(agent_ids=frozenset(agent_ids)))

    def announce_presence(self, caller: Caller, ticket: dict[str, Any], state: str) -> None:
        scope = _ticket_scope(ticket)
        data = {"agent_id": caller.agent_id, "ticket_id": scope["id"], "state": state}
        self.publish("presence", data, Audience(ticket=scope))

    def receive(self, envelope: dict[str, Any]) -> None:
        """An event for this process's streams (from `publish` or from the relay)."""
        kind = str(envelope.get("kind", ""))
        data = envelope.get("data") or {}
        audience = Audience.from_json(envelope.get("audience"))
        if kind == "change":
            version = data.get("version")
            with self._lock:
                if isinstance(version, int):
                    if version <= self._last_version:
                        return
                    self._last_version = version
                    self._last_sent = max(self._last_sent, version)
        elif kind == "presence" and audience.ticket is not None:
            self._remember_presence(data, audience.ticket)
        self._fan_out(ServerEvent(kind, data), audience)

    def _remember_presence(self, data: dict[str, Any], ticket: dict[str, Any]) -> None:
        key = (int(data["agent_id"]), int(ticket["id"]))
        with self._lock:
            if data.get("state") == "left":
                self._presence.pop(key, None)
            else:
                expires = time.monotonic() + self._presence_ttl
                self._presence[key] = _Presence(key[0], ticket, str(data["state"]), expires)

    def presence_snapshot(self, caller: Caller) -> list[ServerEvent]:
        with self._lock:
            current = list(self._presence.values())
        return [
            ServerEvent("presence", _presence_data(p.agent_id, p.ticket, p.state))
            for p in current
            if can_see_ticket(caller, p.ticket)
        ]

    def _fan_out(self, event: ServerEvent, audience: Audience) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            if audience.admits(subscriber.caller):
                self._deliver(subscriber, event)

    @staticmethod
    def _deliver(subscriber: Subscriber, event: ServerEvent) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: the stream is gone
            subscriber.loop.call_soon_threadsafe(subscriber.offer, event)

    # -- housekeeping --------------------------------------------------------------------

    def expire_presence(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            expired = [key for key, p in self._presence.items() if p.expires <= now]
            gone = [self._presence.pop(key) for key in expired]
        for presence in gone:  # every process expires its own copy: local streams only
            data = _presence_data(presence.agent_id, presence.ticket, "left")
            self._fan_out(ServerEvent("presence", data), Audience(ticket=presence.ticket))

    def poll_sequence(self) -> None:
        """Publish a change hint if the database moved on without us (other processes)."""
        with self._engine.connect() as conn:
            value = conn.execute(text("SELECT value FROM change_sequence WHERE id = 1")).scalar()
        if value is not None:
            self.publish_change(int(value))

    async def run_housekeeping(self, tick: float = 1.0) -> None:
        """Expire presence and poll the change sequence until cancelled."""
        with contextlib.suppress(Exception):
            await anyio.to_thread.run_sync(self._prime)
        next_poll = time.monotonic() + self._poll_seconds
        while True:
            await asyncio.sleep(tick)
            self.expire_presence()
            if self.subscriber_count and time.monotonic() >= next_poll:
                next_poll = time.monotonic() + self._poll_seconds
                try:
                    await anyio.to_thread.run_sync(self.poll_sequence)
                except Exception:  # the database blipped; try again next time
                    log.warning("events: could not poll the change sequence", exc_info=True)

    def _prime(self) -> None:
        with self._engine.connect() as conn:
            value = conn.execute(text("SELECT value FROM change_sequence WHERE id = 1")).scalar()
        with self._lock:
            self._last_version = max(self._last_version, int(value or 0))
            self._last_sent = max(self._last_sent, self._last_version)


def _presence_data(agent_id: int, ticket: dict[str, Any], state: str) -> dict[str, Any]:
    return {"agent_id": agent_id, "ticket_id": int(ticket["id"]), "state": state}


# -- HTTP -------------------------------------------------------------------------------

router = APIRouter(prefix="/v1", tags=["realtime"])


class PresenceRequest(BaseModel):
    ticket_id: int
    state: Literal["viewing", "replying", "left"]


async def _stream(
    broadcaster: Broadcaster, caller: Caller, keepalive: float
) -> AsyncIterator[bytes]:
    subscriber = broadcaster.subscribe(caller)
    try:
        yield b": connected\n\n"
        for event in broadcaster.presence_snapshot(caller):
            yield event.encode()
        while True:
            try:
                event = await asyncio.wait_for(subscriber.queue.get(), keepalive)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if event is _CLOSE:
                return
            yield event.encode()
    finally:
        broadcaster.unsubscribe(subscriber)


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "a stream of events"},
        **responses(),
    },
    summary="Server-sent events: change hints, presence, swarm messages",
)
async def events(caller: CurrentCaller, state: ServerState = Depends(server_state)) -> Response:
    return StreamingResponse(
        _stream(state.broadcaster, caller, state.keepalive_seconds),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/presence",
    status_code=204,
    responses=responses(404),
    summary="Announce that the caller is viewing or replying to a ticket (expires unless renewed)",
)
def presence(
    body: PresenceRequest, caller: CurrentCaller, state: ServerState = Depends(server_state)
) -> Response:
    with state.engine.connect() as conn:
        row = conn.execute(
            select(TICKETS.c.id, TICKETS.c.group_id, TICKETS.c.assignee_id).where(
                TICKETS.c.id == body.ticket_id
            )
        ).first()
    ticket = dict(row._mapping) if row is not None else None
    if ticket is None or not can_see_ticket(caller, ticket):
        raise Problem(404, f"ticket {body.ticket_id} not found")
    state.broadcaster.announce_presence(caller, ticket, body.state)
    return Response(status_code=204)
