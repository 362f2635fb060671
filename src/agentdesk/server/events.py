"""Realtime: `GET /v1/events` (server-sent events) and `POST /v1/presence`.

The `Broadcaster` fans events out to the open streams of this process. Handlers (which run
in worker threads) publish after their transaction commits; each stream gets only what its
agent may see. A housekeeping task also polls `change_sequence`, so writes made by other
processes (another worker, the seeder) still produce `change` hints: the in-process fan-out
is the fast path, the poll the safety net. A PostgreSQL LISTEN/NOTIFY fan-out can replace the
poll by calling `publish_change` from its listener; nothing else changes.

Events: `change {"version"}`, `presence {"agent_id", "ticket_id", "state"}` (to agents who
can see the ticket, the announcer included; expires after `presence_ttl` unless refreshed,
then `left` is sent), `swarm.message {SwarmMessage}` (to the swarm's members).
A `: keep-alive` comment line is sent when nothing else was sent for `keepalive_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

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

Audience = Callable[[Caller], bool]


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


@dataclass
class _Presence:
    agent_id: int
    ticket: dict[str, Any]
    state: str
    expires: float


class Broadcaster:
    """Thread-safe fan-out of events to the streams of this process."""

    def __init__(self, engine: Engine, *, presence_ttl: float = 60.0, poll_seconds: float = 2.0):
        self._engine = engine
        self._presence_ttl = presence_ttl
        self._poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._subscribers: set[Subscriber] = set()
        self._presence: dict[tuple[int, int], _Presence] = {}
        self._last_version = 0
        self._closed = False

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

    def publish(self, kind: str, data: dict[str, Any], audience: Audience | None = None) -> None:
        event = ServerEvent(kind, data)
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            if audience is None or audience(subscriber.caller):
                self._deliver(subscriber, event)

    def publish_change(self, version: int) -> None:
        """A write committed with `version`: every stream should pull."""
        with self._lock:
            if version <= self._last_version:
                return
            self._last_version = version
        self.publish("change", {"version": version})

    def publish_to_agents(self, kind: str, data: dict[str, Any], agent_ids: Iterable[int]) -> None:
        members = frozenset(agent_ids)
        self.publish(kind, data, lambda caller: caller.agent_id in members)

    def announce_presence(self, caller: Caller, ticket: dict[str, Any], state: str) -> None:
        key = (caller.agent_id, int(ticket["id"]))
        with self._lock:
            if state == "left":
                self._presence.pop(key, None)
            else:
                expires = time.monotonic() + self._presence_ttl
                self._presence[key] = _Presence(caller.agent_id, ticket, state, expires)
        self._publish_presence(caller.agent_id, ticket, state)

    def presence_snapshot(self, caller: Caller) -> list[ServerEvent]:
        with self._lock:
            current = list(self._presence.values())
        return [
            ServerEvent("presence", _presence_data(p.agent_id, p.ticket, p.state))
            for p in current
            if can_see_ticket(caller, p.ticket)
        ]

    def _publish_presence(self, agent_id: int, ticket: dict[str, Any], state: str) -> None:
        self.publish(
            "presence",
            _presence_data(agent_id, ticket, state),
            lambda subscriber: can_see_ticket(subscriber, ticket),
        )

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
        for presence in gone:
            self._publish_presence(presence.agent_id, presence.ticket, "left")

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
