"""The reference server's adapter: `Backend` over httpx, exactly per docs/protocol.md.

Every answer is validated strictly before the engine sees it: anything that is not the
protocol (garbage JSON, wrong types, missing fields, duplicate rows in a page, a cursor that
goes backwards) raises `ProtocolError` with one line, so the cache is never fed nonsense.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, NoReturn

import httpx
import orjson
from httpx_sse import SSEError, aconnect_sse

from agentdesk import __version__
from agentdesk.domain.models import SYNCED_MODELS
from agentdesk.domain.text import one_line
from agentdesk.sync.backend import (
    AuthError,
    BackendError,
    Capability,
    Change,
    Event,
    ForbiddenError,
    MutationResult,
    OutgoingMutation,
    ProtocolError,
    PullPage,
    TransientError,
)

MAX_PUSH_BATCH = 500  # the server answers 413 above this
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_OUTCOMES = frozenset({"applied", "duplicate", "conflict", "rejected"})
# Fields every upserted row must carry (the model's fields without a default; `id` may be
# given by the change itself).
_REQUIRED: dict[str, frozenset[str]] = {
    entity: frozenset(
        name for name, info in model.model_fields.items() if info.is_required() and name != "id"
    )
    for entity, model in SYNCED_MODELS.items()
}


def _client(
    base_url: str,
    *,
    token: str | None = None,
    verify: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
) -> httpx.AsyncClient:
    headers = {"User-Agent": f"agentdesk/{__version__}", "Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"),
        headers=headers,
        verify=verify,
        transport=transport,
        timeout=timeout,
    )


def _problem_detail(response: httpx.Response) -> str:
    """The one-line `detail` (or `title`) of a problem+json body, else the status phrase."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        for key in ("detail", "title"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return one_line(value, 300)  # server text: controls made visible
    return response.reason_phrase or f"HTTP {response.status_code}"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: let the backoff decide
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def raise_for_status(response: httpx.Response, what: str) -> None:
    """Map an HTTP error answer onto the backend error family (410 is handled by the caller)."""
    status = response.status_code
    if status < 400:
        return
    detail = _problem_detail(response)
    if status == 401:
        raise AuthError(f"{what}: not authenticated ({detail})")
    if status == 403:
        raise ForbiddenError(f"{what}: forbidden ({detail})")
    if status == 429:
        raise TransientError(f"{what}: rate limited ({detail})", _retry_after(response))
    if status >= 500 or status in (408, 425):
        raise TransientError(f"{what}: server error {status} ({detail})", _retry_after(response))
    raise ProtocolError(f"{what}: unexpected answer {status} ({detail})")


def loads(content: bytes) -> Any:
    """JSON text to Python values: orjson (several times faster on large pull pages), with the
    standard library as the judge of what orjson refuses (NaN, Infinity, lone surrogates).
    One difference remains: an integer beyond 64 bits comes out as a float, so as an id or
    a version it fails the type checks below (`json` would let it reach the cache, which
    cannot store it either)."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """No cyclic garbage collection while a page is decoded and checked: those hundreds of
    thousands of fresh (acyclic) objects would otherwise trigger collections that scan every
    live object again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"{what}: the server's answer is not valid JSON") from exc
    if not isinstance(body, dict):
        raise ProtocolError(f"{what}: expected a JSON object, got {type(body).__name__}")
    return body


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require(body: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    if key not in body:
        raise ProtocolError(f"{what}: missing field {key!r}")
    value = body[key]
    ok = _is_int(value) if kind is int else isinstance(value, kind)
    if not ok:
        raise ProtocolError(f"{what}: field {key!r} has the wrong type ({type(value).__name__})")
    return value


def parse_change(raw: Any, what: str = "pull") -> Change:
    """One change, validated. The common case is a few type checks (hot path: every row)."""
    if type(raw) is dict:
        entity = raw.get("entity")
        row_id = raw.get("id")
        op = raw.get("op")
        version = raw.get("version")
        data = raw.get("data")
        id_type = type(row_id)
        if (
            entity in SYNCED_MODELS
            and type(version) is int
            and (id_type is int or (id_type is str and row_id))
            and (
                (
                    op == "upsert"
                    and type(data) is dict
                    and data.get("id", row_id) == row_id
                    and data.keys() >= _REQUIRED[entity]
                )
                or (op == "delete")
            )
        ):
            return Change(entity, row_id, op, data if op == "upsert" else None, version)
    return _explain_bad_change(raw, what)


def _explain_bad_change(raw: Any, what: str) -> NoReturn:
    """The slow path: say precisely what is wrong with a change (always raises)."""
    if not isinstance(raw, dict):
        raise ProtocolError(f"{what}: a change is not an object")
    entity = _require(raw, "entity", str, what)
    if entity not in SYNCED_MODELS:
        raise ProtocolError(f"{what}: unknown entity {entity!r}")
    row_id = raw.get("id")
    if not (_is_int(row_id) or (isinstance(row_id, str) and row_id)):
        raise ProtocolError(f"{what}: {entity} change has an invalid id")
    op = _require(raw, "op", str, what)
    _require(raw, "version", int, what)
    data = raw.get("data")
    if op == "upsert":
        if not isinstance(data, dict):
            raise ProtocolError(f"{what}: upsert of {entity} {row_id!r} has no data object")
        missing = sorted(_REQUIRED[entity] - data.keys())
        if missing:
            raise ProtocolError(f"{what}: {entity} {row_id!r} lacks {', '.join(missing)}")
        raise ProtocolError(f"{what}: {entity} {row_id!r} carries data of another id")
    raise ProtocolError(f"{what}: unknown op {op!r}")


def parse_pull_page(body: dict[str, Any], floor: int | None) -> PullPage:
    """Validate one `GET /v1/changes` answer. `floor`: every version must be above it."""
    what = "pull"
    raw_changes = _require(body, "changes", list, what)
    cursor = _require(body, "cursor", str, what)
    has_more = _require(body, "has_more", bool, what)
    last_id = body.get("last_mutation_id")
    if last_id is not None and not (_is_int(last_id) and last_id >= 0):
        raise ProtocolError(f"{what}: field 'last_mutation_id' has the wrong type")
    changes: list[Change] = []
    append = changes.append
    seen: set[tuple[str, int | str]] = set()
    remember = seen.add
    previous = floor if floor is not None else -1
    lowest = floor if floor is not None else -1  # every version must be above the floor
    models, required = SYNCED_MODELS, _REQUIRED
    for raw in raw_changes:
        # parse_change's fast path, inlined: this loop runs for every row of a first sync.
        if type(raw) is dict:
            entity = raw.get("entity")
            row_id = raw.get("id")
            op = raw.get("op")
            version = raw.get("version")
            data = raw.get("data")
            id_type = type(row_id)
            if not (
                entity in models
                and type(version) is int
                and (id_type is int or (id_type is str and row_id))
                and (
                    (
                        op == "upsert"
                        and type(data) is dict
                        and data.get("id", row_id) == row_id
                        and data.keys() >= required[entity]
                    )
                    or op == "delete"
                )
            ):
                _explain_bad_change(raw, what)
        else:
            _explain_bad_change(raw, what)
        key = (entity, row_id)
        count = len(seen)
        remember(key)
        if len(seen) == count:
            raise ProtocolError(f"{what}: {entity} {row_id!r} appears twice in one page")
        if version < previous or (floor is not None and version <= lowest):
            raise ProtocolError(
                f"{what}: the change sequence went backwards ({version} after {previous})"
            )
        previous = version
        append(Change(entity, row_id, op, data if op == "upsert" else None, version))
    return PullPage(changes=changes, cursor=cursor, has_more=has_more, last_mutation_id=last_id)


def parse_push_answer(
    body: dict[str, Any], sent: Sequence[OutgoingMutation]
) -> list[MutationResult]:
    """Validate one `POST /v1/mutations` answer: results for a prefix of `sent`, in order."""
    what = "push"
    raw_results = _require(body, "results", list, what)
    _require(body, "last_mutation_id", int, what)
    if len(raw_results) > len(sent):
        raise ProtocolError(f"{what}: more results than mutations sent")
    if not raw_results and sent and body["last_mutation_id"] < sent[0].id - 1:
        # A gap the client cannot fill: the server lost this client's history (restored
        # from a backup?). Retrying would stall silently; say so instead.
        raise ProtocolError(
            f"{what}: the server expects mutation {body['last_mutation_id'] + 1} of this "
            f"client but the oldest queued one is {sent[0].id}; its history was lost"
        )
    results: list[MutationResult] = []
    for raw, mutation in zip(raw_results, sent, strict=False):
        if not isinstance(raw, dict):
            raise ProtocolError(f"{what}: a result is not an object")
        result_id = _require(raw, "id", int, what)
        if result_id != mutation.id:
            raise ProtocolError(f"{what}: result for mutation {result_id}, expected {mutation.id}")
        outcome = _require(raw, "outcome", str, what)
        if outcome not in _OUTCOMES:
            raise ProtocolError(f"{what}: unknown outcome {outcome!r}")
        reason = raw.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise ProtocolError(f"{what}: field 'reason' has the wrong type")
        conflicts = raw.get("conflicts") or {}
        if not isinstance(conflicts, dict) or not all(
            isinstance(v, dict) and {"base", "mine", "theirs"} <= v.keys()
            for v in conflicts.values()
        ):
            raise ProtocolError(f"{what}: malformed conflicts for mutation {result_id}")
        if outcome == "rejected" and not reason:
            reason = "rejected by the server"
        results.append(
            MutationResult(id=result_id, outcome=outcome, reason=reason, conflicts=conflicts)
        )
    return results


async def _send(client: httpx.AsyncClient, request: httpx.Request, what: str) -> httpx.Response:
    try:
        return await client.send(request)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing was sent
        message = f"{what}: cannot reach the server ({_one_line(exc)})"
        raise TransientError(message, delivered=False) from exc
    except httpx.TimeoutException as exc:
        raise TransientError(f"{what}: the server did not answer in time") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"{what}: cannot reach the server ({_one_line(exc)})") from exc


def _one_line(exc: BaseException) -> str:
    return one_line(str(exc), 200) or type(exc).__name__


class ReferenceBackend:
    """The agentdesk reference server (`/v1`), as a sync `Backend`."""

    kind = "reference"
    capabilities = frozenset(
        {
            Capability.PER_FIELD_CONFLICTS,
            Capability.ACK_BY_PULL,
            Capability.REALTIME,
            Capability.PRESENCE,
            Capability.SWARMS,
            Capability.SHARED_DRAFTS,
            Capability.SERVER_MACROS,
        }
    )

    def __init__(
        self,
        base_url: str,
        token: str,
        client_id: str,
        *,
        verify: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._http = _client(
            self.base_url, token=token, verify=verify, transport=transport, timeout=timeout
        )
        self._token = token
        self._verify = verify
        self._transport = transport
        self._events_http: httpx.AsyncClient | None = None  # made on first use (TLS setup)
        self._floors: dict[str, int] = {}  # cursor handed out -> highest version it covered

    async def pull(self, cursor: str | None, limit: int) -> PullPage:
        params: dict[str, str | int] = {"limit": limit, "client_id": self.client_id}
        if cursor:
            params["cursor"] = cursor
        request = self._http.build_request("GET", "/v1/changes", params=params)
        response = await _send(self._http, request, "pull")
        if response.status_code == 410:
            return PullPage(changes=[], cursor="", has_more=False, refetch=True)
        raise_for_status(response, "pull")
        floor = self._floors.get(cursor) if cursor else None
        with _no_gc():
            page = parse_pull_page(_json_object(response, "pull"), floor)
        if page.has_more and page.cursor == (cursor or "") and not page.changes:
            raise ProtocolError("pull: the server says there is more but the cursor did not move")
        top = max((c.version for c in page.changes), default=floor if floor is not None else -1)
        if len(self._floors) > 64:
            self._floors.clear()
        self._floors[page.cursor] = top
        return page

    async def push(self, mutations: Sequence[OutgoingMutation]) -> list[MutationResult]:
        results: list[MutationResult] = []
        for start in range(0, len(mutations), MAX_PUSH_BATCH):
            batch = mutations[start : start + MAX_PUSH_BATCH]
            try:
                answered = await self._push_batch(batch)
            except TransientError:
                if results:
                    return results  # what is definite so far; the rest is retried
                raise
            results.extend(answered)
            if len(answered) < len(batch):
                break  # the server stopped (a gap): nothing after it is known
        return results

    async def _push_batch(self, batch: Sequence[OutgoingMutation]) -> list[MutationResult]:
        payload = {
            "client_id": self.client_id,
            "mutations": [{"id": m.id, "name": m.name, "args": m.args} for m in batch],
        }
        request = self._http.build_request("POST", "/v1/mutations", json=payload)
        response = await _send(self._http, request, "push")
        raise_for_status(response, "push")
        return parse_push_answer(_json_object(response, "push"), batch)

    async def events(self) -> AsyncIterator[Event]:
        """Server-sent events until the stream ends; errors map like every other call."""
        if self._events_http is None:
            # No read timeout on the event stream: keep-alives arrive every 15 s, the engine
            # cancels the stream when it stops.
            self._events_http = _client(
                self.base_url,
                token=self._token,
                verify=self._verify,
                transport=self._transport,
                timeout=httpx.Timeout(None, connect=10.0),
            )
        try:
            async with aconnect_sse(self._events_http, "GET", "/v1/events") as source:
                if source.response.status_code >= 400:
                    await source.response.aread()
                    raise_for_status(source.response, "events")
                async for sse in source.aiter_sse():
                    if not sse.event or (sse.event == "message" and not sse.data):
                        continue
                    try:
                        data = json.loads(sse.data) if sse.data else {}
                    except ValueError as exc:
                        raise ProtocolError(f"events: {sse.event} data is not JSON") from exc
                    if not isinstance(data, dict):
                        raise ProtocolError(f"events: {sse.event} data is not an object")
                    yield Event(kind=sse.event, data=data)
        except SSEError as exc:
            raise ProtocolError(f"events: {_one_line(exc)}") from exc
        except httpx.TimeoutException as exc:
            raise TransientError("events: the server did not answer in time") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"events: connection lost ({_one_line(exc)})") from exc

    async def announce_presence(self, ticket_id: int, state: str) -> None:
        request = self._http.build_request(
            "POST", "/v1/presence", json={"ticket_id": ticket_id, "state": state}
        )
        raise_for_status(await _send(self._http, request, "presence"), "presence")

    async def announce_swarm_presence(self, swarm_id: str, state: str) -> None:
        """`in` while a swarm room is open (renew within 60 s), `left` when it closes."""
        request = self._http.build_request(
            "POST", f"/v1/swarms/{swarm_id}/presence", json={"state": state}
        )
        raise_for_status(await _send(self._http, request, "presence"), "presence")

    async def me(self) -> dict[str, Any]:
        request = self._http.build_request("GET", "/v1/me")
        response = await _send(self._http, request, "me")
        raise_for_status(response, "me")
        return _json_object(response, "me")

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._events_http is not None:
            await self._events_http.aclose()

    async def __aenter__(self) -> ReferenceBackend:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def login(
    base_url: str,
    email: str,
    password: str,
    *,
    verify: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[str, dict[str, Any]]:
    """Exchange credentials for a bearer token: `(token, agent)`. Wrong credentials: AuthError."""
    async with _client(base_url, verify=verify, transport=transport) as http:
        request = http.build_request(
            "POST", "/v1/auth/token", json={"email": email, "password": password}
        )
        response = await _send(http, request, "login")
        if response.status_code == 401:
            raise AuthError("login: wrong email or password")
        raise_for_status(response, "login")
        body = _json_object(response, "login")
    token = _require(body, "access_token", str, "login")
    agent = _require(body, "agent", dict, "login")
    if not token:
        raise ProtocolError("login: the server returned an empty token")
    return token, agent


async def fetch_me(
    base_url: str,
    token: str,
    *,
    verify: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """The agent a token belongs to (`GET /v1/me`), to check a token given with --token-stdin."""
    async with _client(base_url, token=token, verify=verify, transport=transport) as http:
        response = await _send(http, http.build_request("GET", "/v1/me"), "login")
        raise_for_status(response, "login")
        return _json_object(response, "login")


async def revoke(
    base_url: str,
    token: str,
    *,
    verify: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Revoke the token on the server (`DELETE /v1/auth/token`); best effort for logout."""
    async with _client(base_url, token=token, verify=verify, transport=transport) as http:
        response = await _send(http, http.build_request("DELETE", "/v1/auth/token"), "logout")
        if response.status_code != 401:
            raise_for_status(response, "logout")


__all__ = [
    "MAX_PUSH_BATCH",
    "BackendError",
    "ReferenceBackend",
    "fetch_me",
    "login",
    "parse_pull_page",
    "parse_push_answer",
    "revoke",
]
