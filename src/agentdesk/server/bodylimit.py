"""Refuse request bodies above a size cap with 413 problem+json, before reading them."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agentdesk.server.problems import problem_response

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised from `receive` while a handler reads the body; FastAPI passes HTTP errors on
    (anything else would become a generic 400), and the problem handlers answer 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _detail(max_bytes))


def _detail(max_bytes: int) -> str:
    mib = 1024 * 1024
    size = f"{max_bytes // mib} MB" if max_bytes >= mib else f"{max_bytes} bytes"
    return f"the request body is larger than {size}"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(413, _detail(self.max_bytes))
        await response(scope, receive, send)
