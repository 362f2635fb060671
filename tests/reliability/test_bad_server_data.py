"""Bad data from the server: each answer is one clear error naming the cause, the cache is
left exactly as it was, the outbox keeps the agent's reply, and once the server behaves the
reply is applied exactly once. (tests/sync/test_engine.py covers each shape's error class;
this file asserts the three promises together, for every shape.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agentdesk.sync.backend import ProtocolError
from synckit import Fault, World, build_world

from .corpus import INVALID_UTF8_PAGE


def _first_change(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**body, "changes": [{**body["changes"][0], **changes}, *body["changes"][1:]]}


def _drop_subject(body: dict[str, Any]) -> dict[str, Any]:
    changes = []
    for change in body["changes"]:
        if change["entity"] == "ticket":
            data = {k: v for k, v in change["data"].items() if k != "subject"}
            change = {**change, "data": data}
        changes.append(change)
    return {**body, "changes": changes}


REWRITES: dict[str, tuple[Callable[[Any], Any], str]] = {
    "wrong-type": (lambda body: _first_change(body, version="seven"), "version"),
    "missing-field": (lambda body: {k: v for k, v in body.items() if k != "cursor"}, "cursor"),
    "missing-row-field": (_drop_subject, "subject"),
    "duplicate-ids": (
        lambda body: {**body, "changes": body["changes"] + body["changes"][:1]},
        "twice",
    ),
    "not-an-object": (lambda body: ["a", "list"], "object"),
}
BODIES: dict[str, tuple[bytes, str]] = {
    "malformed-json": (b'{"changes": [', "JSON"),
    "invalid-utf8": (INVALID_UTF8_PAGE, "JSON"),
}


def cache_rows(path: Path) -> list[tuple[Any, ...]]:
    """Every ticket, message and customer row, read by a separate connection."""
    with sqlite3.connect(path) as conn:
        rows: list[tuple[Any, ...]] = []
        for table in ("tickets", "messages", "customers"):
            rows += [(table, *row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
        return rows


@pytest.mark.parametrize("shape", [*REWRITES, *BODIES])
async def test_bad_page_is_one_error_cache_intact_outbox_kept(tmp_path: Path, shape: str) -> None:
    world: World = await build_world(tmp_path, tickets=6)
    alice = world.client("alice")
    await alice.sync()
    ticket_id = world.ticket_ids[0]
    bob = world.client("bob")  # something new to pull for alice
    await bob.sync()
    bob.cache.update_ticket(ticket_id, priority="high", status=None)
    await bob.sync()
    alice.cache.add_message(ticket_id, "the reply that must not be lost")
    before = cache_rows(alice.cache.path)
    cursor = alice.cache.cursor
    if shape in REWRITES:
        rewrite, cause = REWRITES[shape]
        world.app.inject(Fault("/v1/changes", "rewrite", rewrite=rewrite))
    else:
        body, cause = BODIES[shape]
        world.app.inject(Fault("/v1/changes", "body", body=body))

    with pytest.raises(ProtocolError) as error:
        await alice.sync()
    message = str(error.value)
    assert "\n" not in message and cause.lower() in message.lower(), message
    assert cache_rows(alice.cache.path) == before, "the bad page changed the cache"
    assert alice.cache.cursor == cursor
    assert [row.name for row in alice.cache.outbox_rows()] == ["message.add"]

    await alice.sync()  # the server behaves again
    bodies = [m["body"] for m in world.server_messages(ticket_id)]
    assert bodies.count("the reply that must not be lost") == 1
    assert alice.cache.ticket(ticket_id)["priority"] == "high"
    with sqlite3.connect(alice.cache.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    await alice.close()
    await bob.close()
