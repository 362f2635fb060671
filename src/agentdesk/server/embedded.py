"""`EmbeddedServer`: the reference server on uvicorn in a background thread, for the demo and
for tests that need a real socket (SSE, end-to-end).

    with EmbeddedServer(db_url) as server:
        httpx.get(server.url + "/v1/health")

Binds a free 127.0.0.1 port before starting (so `.url` is known at once), waits until the
server answers, and on exit ends open event streams and stops uvicorn cleanly.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine

from agentdesk.server.app import create_app


class EmbeddedServerError(RuntimeError):
    pass


class EmbeddedServer:
    def __init__(
        self,
        db_url: str | None = None,
        *,
        engine: Engine | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 30.0,
        log_level: str = "warning",
        **app_options: Any,
    ) -> None:
        self._db_url = db_url
        self._engine = engine
        self._host = host
        self._port = port
        self._startup_timeout = startup_timeout
        self._log_level = log_level
        self._app_options = app_options
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.app: Any = None
        self.url = ""

    def start(self) -> EmbeddedServer:
        self.app = create_app(self._db_url, engine=self._engine, **self._app_options)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._socket = sock
        port = sock.getsockname()[1]
        self.url = f"http://{self._host}:{port}"
        config = uvicorn.Config(
            self.app,
            log_level=self._log_level,
            timeout_graceful_shutdown=2,
            timeout_keep_alive=75,  # see agentdesk.cli.serve.KEEP_ALIVE_SECONDS
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"agentdesk-server-{port}",
            daemon=True,
        )
        self._thread.start()
        try:
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + self._startup_timeout
        assert self._server is not None and self._thread is not None
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                raise EmbeddedServerError("the embedded server stopped while starting")
            if self._server.started:
                try:
                    response = httpx.get(self.url + "/v1/health", timeout=2.0)
                except httpx.TransportError:
                    pass
                else:
                    if response.status_code == 200:
                        return
            time.sleep(0.02)
        raise EmbeddedServerError(f"the embedded server did not answer on {self.url}")

    def stop(self) -> None:
        if self.app is not None:
            self.app.state.server.broadcaster.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(timeout=5)
        if self._socket is not None:
            # Closed only once uvicorn has stopped: the plain asyncio loop serves this very
            # file descriptor (uvloop duplicates it, asyncio does not).
            self._socket.close()
            self._socket = None
        if self._engine is None and self.app is not None:
            self.app.state.server.engine.dispose()

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C raises KeyboardInterrupt here)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
