"""`create_app(db_url)`: the reference server as a FastAPI application.

Opens (and migrates) the database at once, so a bad URL fails before serving. The realtime
housekeeping (presence expiry, change-sequence poll) runs while the ASGI lifespan runs
(uvicorn); in-process ASGI test clients work without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Engine

from agentdesk import __version__
from agentdesk.server import auth, changes, events, intake, me, mutations, problems, swarms
from agentdesk.server.bodylimit import DEFAULT_MAX_BODY_BYTES, BodyLimitMiddleware
from agentdesk.server.db import open_database
from agentdesk.server.events import Broadcaster
from agentdesk.server.pgrelay import PgRelay
from agentdesk.server.ratelimit import DEFAULT_RATE_LIMIT, RateLimit, RateLimiter
from agentdesk.server.state import ServerState

DB_URL_ENV = "AGENTDESK_SERVER_DB"


class Health(BaseModel):
    status: str
    version: str


def create_app(
    db_url: str | None = None,
    *,
    engine: Engine | None = None,
    rate_limit: RateLimit = DEFAULT_RATE_LIMIT,
    token_ttl: timedelta = timedelta(days=30),
    presence_ttl: timedelta = timedelta(seconds=60),
    keepalive_seconds: float = 15.0,
    poll_seconds: float = 2.0,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    relay_events: bool = True,
) -> FastAPI:
    """The server on `db_url` (or an already opened `engine`).

    `relay_events`: on PostgreSQL, carry realtime events between server processes with
    LISTEN/NOTIFY (started with the ASGI lifespan).
    """
    if engine is None:
        if db_url is None:
            raise ValueError("create_app needs a db_url or an engine")
        engine = open_database(db_url)
    broadcaster = Broadcaster(
        engine, presence_ttl=presence_ttl.total_seconds(), poll_seconds=poll_seconds
    )
    housekeeping_tick = min(1.0, max(0.05, presence_ttl.total_seconds() / 10))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        relay = None
        if relay_events and engine.dialect.name == "postgresql":
            conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            relay = PgRelay(conninfo, broadcaster.receive)
            await anyio.to_thread.run_sync(relay.start)
            broadcaster.relay = relay
        task = asyncio.create_task(broadcaster.run_housekeeping(housekeeping_tick))
        try:
            yield
        finally:
            broadcaster.close()
            broadcaster.relay = None
            if relay is not None:
                await anyio.to_thread.run_sync(relay.stop)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="agentdesk reference server",
        version=__version__,
        summary="The sync API of agentdesk: pull changes, push mutations, realtime events.",
        lifespan=lifespan,
    )
    app.state.server = ServerState(
        engine=engine,
        limiter=RateLimiter(rate_limit),
        broadcaster=broadcaster,
        token_ttl=token_ttl,
        presence_ttl=presence_ttl,
        keepalive_seconds=keepalive_seconds,
    )
    problems.install(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    for module in (auth, me, changes, mutations, events, intake, swarms):
        app.include_router(module.router)

    @app.get("/v1/health", response_model=Health, tags=["meta"], summary="Liveness (no auth)")
    def health() -> Health:
        return Health(status="ok", version=__version__)

    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (several workers): the database URL from the env."""
    url = os.environ.get(DB_URL_ENV)
    if not url:
        raise RuntimeError(f"set {DB_URL_ENV} to the server's database URL")
    return create_app(url)
