"""What every request handler reaches through `request.app.state.server`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import Request
from sqlalchemy import Engine

from agentdesk.server.ratelimit import RateLimiter

if TYPE_CHECKING:
    from agentdesk.server.events import Broadcaster


@dataclass
class ServerState:
    engine: Engine
    limiter: RateLimiter
    broadcaster: Broadcaster
    token_ttl: timedelta
    presence_ttl: timedelta
    keepalive_seconds: float

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def server_state(request: Request) -> ServerState:
    return request.app.state.server  # type: ignore[no-any-return]
