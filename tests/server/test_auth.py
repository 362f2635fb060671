"""Login, bearer tokens (expiry, revocation), 401 vs 403, rate limiting, problem+json."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from agentdesk.domain.timeutil import utcnow
from agentdesk.server.passwords import token_digest
from agentdesk.server.ratelimit import RateLimit
from agentdesk.server.tables import ApiToken
from agentdesk.server.wire import table_of

from .conftest import PASSWORD, ClientFactory, World

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"] and body["detail"]
    return body


async def test_login_gives_a_token_that_works(world: World, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/token", json={"email": "Alice@Example.test", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["agent"]["id"] == world.agents["alice"].id
    assert "password_hash" not in body["agent"]
    assert body["expires_at"].endswith("Z")
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.test"
    assert me.json()["role"] == "agent"


async def test_wrong_password_is_401(world: World, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/token", json={"email": "alice@example.test", "password": "nope"}
    )
    assert_problem(response, 401)
    unknown = await client.post(
        "/v1/auth/token", json={"email": "nobody@example.test", "password": PASSWORD}
    )
    assert_problem(unknown, 401)


async def test_missing_and_garbage_tokens_are_401(world: World, client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/me"), 401)
    assert_problem(await client.get("/v1/me", headers={"Authorization": "Bearer nope"}), 401)
    basic = await client.get("/v1/me", headers={"Authorization": "Basic YTpi"})
    assert_problem(basic, 401)
    assert basic.headers["www-authenticate"] == "Bearer"


async def test_expired_token_is_401(world: World, client: httpx.AsyncClient) -> None:
    token = world.agents["alice"].token
    with world.engine.begin() as conn:
        conn.execute(
            update(table_of(ApiToken))
            .where(table_of(ApiToken).c.token_hash == token_digest(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    body = assert_problem(await client.get("/v1/me", headers=world.auth("alice")), 401)
    assert "expired" in body["detail"]


async def test_revoked_token_is_401(world: World, client: httpx.AsyncClient) -> None:
    headers = world.auth("alice")
    assert (await client.get("/v1/me", headers=headers)).status_code == 200
    revoke = await client.delete("/v1/auth/token", headers=headers)
    assert revoke.status_code == 204
    body = assert_problem(await client.get("/v1/me", headers=headers), 401)
    assert "revoked" in body["detail"]
    # other tokens of other agents still work
    assert (await client.get("/v1/me", headers=world.auth("bob"))).status_code == 200


async def test_401_and_403_are_distinct(world: World, client: httpx.AsyncClient) -> None:
    new_agent = {"email": "new@example.test", "name": "New", "password": "secret1"}
    assert_problem(await client.post("/v1/agents", json=new_agent), 401)
    for name in ("alice", "carol"):
        forbidden = await client.post("/v1/agents", json=new_agent, headers=world.auth(name))
        assert_problem(forbidden, 403)
    created = await client.post("/v1/agents", json=new_agent, headers=world.auth("root"))
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "new@example.test"
    again = await client.post("/v1/agents", json=new_agent, headers=world.auth("root"))
    assert_problem(again, 409)


async def test_rate_limit_answers_429_with_retry_after(
    world: World, make_client: ClientFactory
) -> None:
    client = make_client(rate_limit=RateLimit(rate=0.01, burst=3))
    headers = world.auth("alice")
    for _ in range(3):
        assert (await client.get("/v1/me", headers=headers)).status_code == 200
    limited = await client.get("/v1/me", headers=headers)
    assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    # buckets are per token: bob is not throttled by alice's calls
    assert (await client.get("/v1/me", headers=world.auth("bob"))).status_code == 200


async def test_unknown_route_and_method_are_problems(
    world: World, client: httpx.AsyncClient
) -> None:
    assert_problem(await client.get("/v1/nope", headers=world.auth("alice")), 404)
    assert_problem(await client.put("/v1/me", headers=world.auth("alice")), 405)
    # Allow lists every method of the path, not only the first route's
    wrong = await client.request("OPTIONS", "/v1/auth/token")
    assert_problem(wrong, 405)
    assert wrong.headers["allow"] == "DELETE, POST"


async def test_malformed_bodies_are_422_problems(world: World, client: httpx.AsyncClient) -> None:
    headers = {**world.auth("alice"), "content-type": "application/json"}
    cases = [
        ("/v1/auth/token", b"{not json"),
        ("/v1/auth/token", b'{"email": 3}'),
        ("/v1/mutations", b"[]"),
        ("/v1/mutations", b'{"client_id": "c", "mutations": [{"id": "x"}]}'),
        ("/v1/mutations", b'{"client_id": "c", "mutations": "nope"}'),
        ("/v1/tickets", b'{"subject": "x"}'),
        ("/v1/presence", b'{"ticket_id": 1, "state": "dancing"}'),
    ]
    for path, content in cases:
        response = await client.post(path, content=content, headers=headers)
        body = assert_problem(response, 422)
        assert body["errors"], path


async def test_openapi_describes_every_endpoint(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    expected = {
        ("/v1/auth/token", "post"),
        ("/v1/auth/token", "delete"),
        ("/v1/me", "get"),
        ("/v1/agents", "post"),
        ("/v1/changes", "get"),
        ("/v1/mutations", "post"),
        ("/v1/events", "get"),
        ("/v1/presence", "post"),
        ("/v1/tickets", "post"),
    }
    found = {(path, method) for path, methods in paths.items() for method in methods}
    assert expected <= found
    for path, method in expected:
        operation = paths[path][method]
        assert operation.get("summary"), (path, method)
        assert "401" in operation["responses"] or path == "/v1/auth/token"
        success = next(code for code in operation["responses"] if code.startswith("2"))
        if success != "204":
            assert operation["responses"][success]["content"], (path, method)


async def test_unexpected_errors_are_problems_without_internals(
    world: World, make_client: ClientFactory
) -> None:
    client = make_client()
    app = client._transport.app  # type: ignore[attr-defined]

    def explode() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    app.add_api_route("/v1/explode", explode)
    body = assert_problem(await client.get("/v1/explode"), 500)
    assert "secret" not in body["detail"]


async def test_oversized_bodies_are_413(world: World, make_client: ClientFactory) -> None:
    client = make_client(max_body_bytes=2000)
    body = {"client_id": "c", "mutations": [{"id": 1, "name": "x", "args": {"a": "y" * 5000}}]}
    response = await client.post("/v1/mutations", json=body, headers=world.auth("alice"))
    assert_problem(response, 413)

    async def chunks():  # no Content-Length: counted while streaming
        for _ in range(10):
            yield b" " * 500

    streamed = await client.post(
        "/v1/mutations",
        content=chunks(),
        headers={**world.auth("alice"), "content-type": "application/json"},
    )
    assert_problem(streamed, 413)
