"""A small typed client for Request Tracker 5's REST 2 API (`/REST/2.0`), over httpx.

It knows HTTP, RT's answers and its pitfalls, nothing of agentdesk's entities (that is
`mapping.py`): requests are paced (at most `max_rps` per second, one at a time), errors become
the backend errors of `agentdesk.sync.backend`, and a 4xx that concerns a single object is
raised as `RTRequestError` (with RT's own message) for the adapter to turn into a rejection.

RT quirks handled here:
- `If-Modified-Since` / `If-Unmodified-Since` crash RT 5.0 (500): never sent.
- `PUT /ticket/ID` answers 200 even when a change failed: the message list is returned as is.
- Search totals are null for non-superusers and pages can come back short while later pages
  still have rows: `search_pages` keeps asking until a page is empty.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from agentdesk import __version__
from agentdesk.sync.backend import AuthError, ProtocolError, TransientError

API_PREFIX = "/REST/2.0"
PER_PAGE = 100  # RT's cap
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEFAULT_MAX_RPS = 10.0


class RTRequestError(Exception):
    """A 4xx about one object (400, 403, 404, 409, 412, 422...): RT's message, one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def token_credential(token: str) -> str:
    """The Authorization header value for an RT auth token."""
    return f"token {token.strip()}"


def password_credential(user: str, password: str) -> str:
    """The Authorization header value for HTTP Basic auth."""
    raw = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def one_line(text: str, limit: int = 300) -> str:
    return " ".join(str(text).split())[:limit]


def _rt_message(response: httpx.Response) -> str:
    """RT's `{"message": ...}` error text, else the status phrase."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return one_line(body["message"])
    if isinstance(body, list) and body and all(isinstance(item, str) for item in body):
        return one_line("; ".join(body))
    return response.reason_phrase or f"HTTP {response.status_code}"


class Pacer:
    """At most `rate` request starts per second (a minimum interval between them)."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()
        self._clock = clock
        self._sleep = sleep

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self._lock:
            now = self._clock()
            if self._next > now:
                await self._sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


class RTClient:
    """REST 2 over one httpx.AsyncClient. `credential` is an Authorization header value."""

    def __init__(
        self,
        server: str,
        credential: str,
        *,
        verify: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_rps: float = DEFAULT_MAX_RPS,
    ) -> None:
        self.server = server.rstrip("/")
        self.http = httpx.AsyncClient(
            base_url=self.server + API_PREFIX,
            headers={
                "Authorization": credential,
                "Accept": "application/json",
                "User-Agent": f"agentdesk/{__version__}",
            },
            verify=verify,
            transport=transport,
            timeout=timeout,
        )
        self.pacer = Pacer(max_rps)
        self.requests = 0  # sent so far (benchmarks and tests read it)

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- transport -------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        allow: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send one request; map failures to backend errors (statuses in `allow` pass)."""
        await self.pacer.wait()
        send_headers = dict(headers or {})
        content: bytes | None = None
        if json_body is not None:
            content = json.dumps(json_body).encode()
            send_headers["Content-Type"] = "application/json; charset=utf-8"
        self.requests += 1
        try:
            response = await self.http.request(
                method, path, params=params, content=content, headers=send_headers
            )
        except httpx.TimeoutException as exc:
            raise TransientError(
                f"Request Tracker did not answer in time ({method} {path})"
            ) from exc
        except httpx.TransportError as exc:
            reason = one_line(str(exc) or type(exc).__name__, 120)
            raise TransientError(
                f"cannot reach Request Tracker at {self.server}: {reason}"
            ) from exc
        status = response.status_code
        if status in allow or status < 400:
            return response
        if status == 401:
            raise AuthError("Request Tracker refused the credentials (401): log in again")
        if status == 429:
            raise TransientError(
                "Request Tracker is rate limiting us (429)", _retry_after(response)
            )
        if status >= 500:
            raise TransientError(f"Request Tracker failed ({status}) on {method} {path}")
        raise RTRequestError(status, _rt_message(response))

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return _json(await self.request("GET", path, params=params), path)

    # -- searches --------------------------------------------------------------------------
    async def search_pages(
        self,
        path: str,
        params: dict[str, Any],
        *,
        json_query: Any = None,
        max_pages: int | None = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield the items of page 1, 2, ... until a page comes back empty (or the last
        page RT counted, when it gives a count: only for users who may see every row).

        `json_query` (a JSON search: list of {field, operator, value}) is POSTed; otherwise
        the search is a GET with `params` (TicketSQL / TransactionSQL in `query`).
        """
        page = 1
        while max_pages is None or page <= max_pages:
            query = {**params, "per_page": PER_PAGE, "page": page}
            if json_query is not None:
                response = await self.request("POST", path, params=query, json_body=json_query)
            else:
                response = await self.request("GET", path, params=query)
            body = _json(response, path)
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise ProtocolError(f"Request Tracker: {path} answered without an item list")
            if not items:
                return
            yield [item for item in items if isinstance(item, dict)]
            pages = body.get("pages")
            if isinstance(pages, int) and page >= pages:
                return  # RT counted (the user sees everything): no need for an empty page
            page += 1

    async def search_tickets(
        self, query: str, fields: str, expand: dict[str, str], page: int = 1
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "query": query,
            "fields": fields,
            "orderby": "id",
            "order": "ASC",
            "per_page": PER_PAGE,
            "page": page,
        }
        for name, subfields in expand.items():
            params[f"fields[{name}]"] = subfields
        body = await self.get_json("/tickets", params)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ProtocolError("Request Tracker: /tickets answered without an item list")
        return [item for item in items if isinstance(item, dict)]

    # -- single objects --------------------------------------------------------------------
    async def ticket(self, ticket_id: int) -> tuple[dict[str, Any], str | None]:
        """The ticket and its ETag (the id of its newest transaction, quoted)."""
        response = await self.request("GET", f"/ticket/{ticket_id}")
        return _json(response, "ticket"), response.headers.get("ETag")

    async def update_ticket(
        self, ticket_id: int, fields: dict[str, Any], etag: str | None
    ) -> tuple[int, list[str]]:
        """PUT the fields with If-Match; (412, []) when stale, else (200, RT's messages)."""
        headers = {"If-Match": etag} if etag else {}
        response = await self.request(
            "PUT", f"/ticket/{ticket_id}", json_body=fields, headers=headers, allow=(412,)
        )
        if response.status_code == 412:
            return 412, []
        return response.status_code, _messages(response)

    async def add_message(self, ticket_id: int, kind: str, content: str) -> tuple[int, list[str]]:
        """POST a correspondence or comment; (transaction id, RT's messages)."""
        response = await self.request(
            "POST",
            f"/ticket/{ticket_id}/{kind}",
            json_body={"Content": content, "ContentType": "text/plain"},
        )
        location = response.headers.get("Location", "")
        tail = location.rstrip("/").rsplit("/", 1)[-1]
        if response.status_code != 201 or not tail.isdigit():
            raise ProtocolError(f"Request Tracker: {kind} answered {response.status_code}")
        return int(tail), _messages(response)

    async def user(self, name_or_id: str | int) -> dict[str, Any]:
        """A user record. Non-admins get no top-level `id`: it is taken from `_hyperlinks`."""
        return with_id(await self.get_json(f"/user/{name_or_id}"))


def with_id(record: Any) -> dict[str, Any]:
    """The record with its numeric `id` (from the `self` hyperlink when RT leaves it out)."""
    if not isinstance(record, dict):
        raise ProtocolError("Request Tracker: a record is not a JSON object")
    record = dict(record)
    if record.get("id") is None:
        for link in record.get("_hyperlinks") or []:
            if isinstance(link, dict) and link.get("ref") == "self":
                record["id"] = link.get("id")
                break
    return record


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"Request Tracker: {what} answered something that is not JSON") from exc


def _messages(response: httpx.Response) -> list[str]:
    """RT's list of result messages (a 200 answer to a write)."""
    if not response.content:
        return []
    body = _json(response, "write")
    if isinstance(body, list):
        return [str(item) for item in body if item is not None]
    if isinstance(body, dict) and "message" in body:
        return [str(body["message"])]
    return []
