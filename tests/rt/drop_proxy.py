"""A loopback TCP proxy in front of RT that can lose answers (like toxiproxy's limit_data).

Every request reaches RT whole; for requests whose first line matches `drop`, RT's answer is
thrown away and the client's connection is reset: RT applied the write, the client never
learns it. RT closes each connection after one answer (`--max-keepalive-reqs 1`), so one
connection carries one request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class DropProxy:
    def __init__(self, upstream_port: int, drop: Callable[[bytes], bool]) -> None:
        self.upstream_port = upstream_port
        self.drop = drop
        self.dropped = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> DropProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        first = await reader.read(65536)
        dropping = self.drop(first.split(b"\r\n", 1)[0])
        up_writer.write(first)
        await up_writer.drain()

        async def forward_request() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await reader.read(65536):
                    up_writer.write(data)
                    await up_writer.drain()

        pump = asyncio.create_task(forward_request())
        answer = b""
        with contextlib.suppress(ConnectionError):
            while data := await up_reader.read(65536):
                answer += data
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        up_writer.close()
        if dropping:
            self.dropped += 1
            writer.transport.abort()  # a reset: the answer is lost
            return
        with contextlib.suppress(ConnectionError):
            writer.write(answer)
            await writer.drain()
            writer.close()
