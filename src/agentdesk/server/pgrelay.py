"""Realtime events between server processes through PostgreSQL LISTEN/NOTIFY.

With `agentdesk serve --workers N`, an agent's event stream lives in one worker while the
write or the presence announcement it should hear about happens in another. Each process
sends its events as `NOTIFY agentdesk_events` and listens on the same channel; everything it
hears (its own events included) goes to its local `Broadcaster.receive`. While the listener is
not connected, `running` is False and the broadcaster delivers locally, as on SQLite.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg

log = logging.getLogger("agentdesk.server")

CHANNEL = "agentdesk_events"
MAX_PAYLOAD_BYTES = 7900  # PostgreSQL's limit is 8000 bytes per notification


class PayloadTooLarge(ValueError):
    pass


class PgRelay:
    """One listening connection (a thread) and one sending connection per process."""

    def __init__(
        self, conninfo: str, on_envelope: Callable[[dict[str, Any]], None], *, poll: float = 0.5
    ) -> None:
        self._conninfo = conninfo
        self._on_envelope = on_envelope
        self._poll = poll
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self._sender: psycopg.Connection[Any] | None = None

    @property
    def running(self) -> bool:
        return self._ready.is_set()

    def start(self, wait: float = 5.0) -> bool:
        """Start listening; True once the LISTEN is in place (within `wait` seconds)."""
        self._thread = threading.Thread(target=self._listen, name="agentdesk-pg-relay", daemon=True)
        self._thread.start()
        return self._ready.wait(wait)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._send_lock:
            if self._sender is not None:
                self._sender.close()
                self._sender = None

    def send(self, envelope: dict[str, Any]) -> None:
        """NOTIFY every process (this one included). Raises if it could not be sent."""
        payload = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise PayloadTooLarge(f"event of {len(payload)} characters is too large to relay")
        with self._send_lock:
            try:
                if self._sender is None or self._sender.closed:
                    self._sender = psycopg.connect(
                        self._conninfo, autocommit=True, connect_timeout=5
                    )
                self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
            except psycopg.Error:
                if self._sender is not None:
                    self._sender.close()
                self._sender = None
                raise

    def _listen(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    backoff = 0.5
                    while not self._stop.is_set():
                        for notification in conn.notifies(timeout=self._poll):
                            self._handle(notification.payload)
            except psycopg.Error as exc:
                self._ready.clear()
                log.warning("events relay: %s; reconnecting", str(exc).strip().splitlines()[0])
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
        self._ready.clear()

    def _handle(self, payload: str) -> None:
        try:
            envelope = json.loads(payload)
        except ValueError:
            log.warning("events relay: ignoring a malformed notification")
            return
        try:
            self._on_envelope(envelope)
        except Exception:  # never let one bad event kill the listener
            log.exception("events relay: could not deliver an event")
