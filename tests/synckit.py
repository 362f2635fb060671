"""Test kit shared by tests/sync and tests/cli: an in-memory keyring, a fault-injecting ASGI
wrapper around the real server app, and helpers to wait without fixed sleeps."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import io
import json
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import keyring
import keyring.backend
import keyring.errors
import pytest


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
    "drop_before" (raise before the app runs), "hang" (answer nothing for `seconds`, then 503).
    """

    path: str
    kind: str
    method: str | None = None
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    rewrite: Callable[[Any], Any] | None = None
    seconds: float = 2.0
    detail: str = ""


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
            # What httpx raises on a real socket when the connection is refused or reset.
            raise httpx.ConnectError("injected: connection dropped before the server")
        if fault.kind == "hang":
            await asyncio.sleep(fault.seconds)  # the server is stuck (the client times out)
            await _answer(send, 503, b"{}", "application/problem+json", {})
            return
        if fault.kind == "status":
            problem = {"type": "about:blank", "title": "injected", "status": fault.status}
            if fault.detail:
                problem["detail"] = fault.detail
            body = json.dumps(problem).encode()
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
            raise httpx.RemoteProtocolError("injected: reply lost after the server committed")
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


# ---- a small real world: server database, agents, tickets, clients -------------------------

SERVER_URL = "http://desk.test"


@dataclass
class Person:
    id: int
    email: str
    token: str


@dataclass
class World:
    """A real reference server (in-process ASGI) with agents and tickets."""

    engine: Any
    app: FaultyApp
    people: dict[str, Person]
    ticket_ids: list[int]
    tmp: Any

    def transport(self) -> Any:
        import httpx

        return httpx.ASGITransport(app=self.app)

    def backend(self, who: str, client_id: str) -> Any:
        from agentdesk.sync.reference import ReferenceBackend

        return ReferenceBackend(
            SERVER_URL, self.people[who].token, client_id, transport=self.transport()
        )

    def client(self, who: str, name: str | None = None, **engine_options: Any) -> Client:
        from agentdesk.store import Cache
        from agentdesk.sync.engine import SyncEngine

        cache = Cache.open(self.tmp / f"{name or who}.sqlite3")
        cache.set_agent_id(self.people[who].id)
        backend = self.backend(who, cache.client_id)
        return Client(cache, backend, SyncEngine(cache, backend, **engine_options))

    def server_ticket(self, ticket_id: int) -> dict[str, Any]:
        from sqlalchemy import select

        from agentdesk.domain.models import Ticket

        table = Ticket.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == ticket_id)).mappings().one()
        return dict(row)

    def server_messages(self, ticket_id: int) -> list[dict[str, Any]]:
        from sqlalchemy import select

        from agentdesk.domain.models import Message

        table = Message.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table).where(table.c.ticket_id == ticket_id).order_by(table.c.created_at)
            ).mappings()
            return [dict(r) for r in rows]

    def mutation_records(self, client_id: str) -> list[int]:
        from sqlalchemy import select

        from agentdesk.server.tables import MutationRecord

        table = MutationRecord.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(table.c.mutation_id)
                    .where(table.c.client_id == client_id)
                    .order_by(table.c.mutation_id)
                ).scalars()
            )


@dataclass
class Client:
    cache: Any
    backend: Any
    engine: Any

    async def sync(self) -> Any:
        return await self.engine.sync_once()

    async def close(self) -> None:
        await self.backend.aclose()
        self.cache.close()


_TEMPLATES: dict[int, tuple[Path, dict[str, Person], list[int]]] = {}


async def build_world(
    tmp: Any, db_url: str | None = None, tickets: int = 6, **app_options: Any
) -> World:
    """Agents alice and bob (group support), lead lee, admin ada; `tickets` new tickets.

    SQLite worlds are built once per ticket count and copied (password hashing is slow).
    """
    from agentdesk.server.app import create_app
    from agentdesk.server.db import open_database

    if db_url is None:
        template = _TEMPLATES.get(tickets)
        if template is None:
            folder = Path(tempfile.mkdtemp(prefix="agentdesk-world-"))
            atexit.register(shutil.rmtree, folder, True)
            url = f"sqlite:///{folder / 'server.sqlite3'}"
            people, ticket_ids = await _populate(open_database(url), tickets)
            template = _TEMPLATES[tickets] = (folder / "server.sqlite3", people, ticket_ids)
        path, people, ticket_ids = template
        shutil.copyfile(path, tmp / "server.sqlite3")
        engine = open_database(f"sqlite:///{tmp / 'server.sqlite3'}")
        app = FaultyApp(create_app(engine=engine, **app_options))
        return World(engine, app, dict(people), list(ticket_ids), tmp)
    engine = open_database(db_url)
    people, ticket_ids = await _populate(engine, tickets)
    app = FaultyApp(create_app(engine=engine, **app_options))
    return World(engine, app, people, ticket_ids, tmp)


async def _populate(engine: Any, tickets: int) -> tuple[dict[str, Person], list[int]]:
    import httpx

    from agentdesk.server.accounts import create_agent, issue_token
    from agentdesk.server.app import create_app

    people: dict[str, Person] = {}
    for name, role in (("alice", "agent"), ("bob", "agent"), ("lee", "lead"), ("ada", "admin")):
        created = create_agent(
            engine,
            email=f"{name}@example.com",
            name=name.title(),
            role=role,
            password="secret-pw",
            groups=["support"],
        )
        people[name] = Person(created.id, created.email, issue_token(engine, created.id))
    app = create_app(engine=engine)
    ticket_ids: list[int] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=SERVER_URL) as http:
        for n in range(tickets):
            ticket_ids.append(await file_ticket(http, people["ada"].token, n))
    engine.dispose()
    return people, ticket_ids


async def file_ticket(http: Any, token: str, n: int, subject: str | None = None) -> int:
    response = await http.post(
        "/v1/tickets",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "subject": subject or f"Ticket {n}",
            "body": f"Help with thing {n}",
            "channel": "email",
            "group": "support",
            "customer": {"email": f"c{n}@example.org", "name": f"Customer {n}"},
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


class LiveServer:
    """The world's app under uvicorn on 127.0.0.1 (a real socket), in a background thread."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self.app = app
        self.port = port or _free_port()
        self._server: Any = None
        self._thread: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        import threading

        import uvicorn

        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- Fixtures shared by the CLI-driven test folders (import them into a conftest) -----------


@dataclass
class CliResult:
    """What one in-process `agentdesk ...` run gave: exit code, stdout, stderr."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., CliResult]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The OS keyring replaced by an in-memory one for the test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@contextlib.contextmanager
def world_over_asgi(tmp: Path, tickets: int) -> Iterator[World]:
    """A `build_world` whose every client (CLI included) reaches the app in-process."""
    from agentdesk.sync import connect

    built = asyncio.run(build_world(tmp, tickets=tickets))
    connect.TRANSPORT_FACTORY = lambda base_url: built.transport()
    try:
        yield built
    finally:
        connect.TRANSPORT_FACTORY = None


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run `agentdesk ARGV...` in-process (optionally with stdin); argparse exits become codes."""
    from agentdesk.cli import main

    def run(*argv: str, stdin: str | None = None) -> CliResult:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
