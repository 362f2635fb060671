"""Test kit shared by tests/sync and tests/cli: an in-memory keyring, a fault-injecting ASGI
wrapper around the real server app, and helpers to wait without fixed sleeps."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps secrets in a dict (tests only)."""

    def __init__(self, priority: float = 10) -> None:
        super().__init__()
        self._priority = priority
        self.store: dict[tuple[str, str], str] = {}

    @property
    def priority(self) -> float:  # type: ignore[override]
        return self._priority

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.store[(service, username)]


Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Fault:
    """One injected fault for the next request matching `path` (and `method` if given).

    kind: "status" (answer `status` with a problem body, `headers`), "body" (answer 200 with
    raw `body` bytes), "rewrite" (run the real app, then `rewrite(json)` its JSON answer),
    "drop_after" (run the real app, then raise: the reply is lost after the server committed),
    "drop_before" (raise before the app runs).
    """

    path: str
    kind: str
    method: str | None = None
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    rewrite: Callable[[Any], Any] | None = None


class FaultyApp:
    """ASGI wrapper around the real app: injects queued faults, counts requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.faults: deque[Fault] = deque()
        self.requests: list[tuple[str, str]] = []

    def inject(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def _take(self, method: str, path: str) -> Fault | None:
        for fault in list(self.faults):
            if fault.path == path and (fault.method is None or fault.method == method):
                self.faults.remove(fault)
                return fault
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        self.requests.append((method, path))
        fault = self._take(method, path)
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.kind == "drop_before":
            raise ConnectionResetError("injected: connection dropped before the server")
        if fault.kind == "status":
            body = json.dumps(
                {"type": "about:blank", "title": "injected", "status": fault.status}
            ).encode()
            await _answer(send, fault.status, body, "application/problem+json", fault.headers)
            return
        if fault.kind == "body":
            await _answer(send, 200, fault.body, "application/json", fault.headers)
            return
        captured: list[dict[str, Any]] = []

        async def capture(message: dict[str, Any]) -> None:
            captured.append(message)

        await self.app(scope, receive, capture)
        if fault.kind == "drop_after":
            raise ConnectionResetError("injected: reply lost after the server committed")
        if fault.kind == "rewrite":
            start = next(m for m in captured if m["type"] == "http.response.start")
            bodies = [m for m in captured if m["type"] == "http.response.body"]
            raw = b"".join(m.get("body", b"") for m in bodies)
            assert fault.rewrite is not None
            new = json.dumps(fault.rewrite(json.loads(raw))).encode()
            await _answer(send, start["status"], new, "application/json", {})
            return
        raise AssertionError(f"unknown fault kind {fault.kind}")


async def _answer(
    send: Send, status: int, body: bytes, content_type: str, headers: dict[str, str]
) -> None:
    raw_headers = [(b"content-type", content_type.encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw_headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll `check` until true, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(0.01)
