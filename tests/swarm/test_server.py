"""The reference server's swarm rules: start, post, read rights, mentions, invites, closing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from agentdesk.domain.ids import uuid7
from synckit import SERVER_URL, World, build_world


@pytest.fixture
async def world(tmp_path: Path) -> World:
    return await build_world(tmp_path, tickets=2)


class Api:
    """One agent's raw HTTP view of the server (its own client id and mutation counter)."""

    def __init__(self, world: World, who: str) -> None:
        self.world, self.who = world, who
        self.http = httpx.AsyncClient(transport=world.transport(), base_url=SERVER_URL)
        self.headers = {"Authorization": f"Bearer {world.people[who].token}"}
        self.next_id = 1

    async def push(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        mutation = {"id": self.next_id, "name": name, "args": args}
        self.next_id += 1
        response = await self.http.post(
            "/v1/mutations",
            json={"client_id": f"{self.who}-raw", "mutations": [mutation]},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()["results"][0]
        return result

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path, headers=self.headers)

    async def pulled(self, entity: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"limit": 500} | ({"cursor": cursor} if cursor else {})
            page = (await self.http.get("/v1/changes", params=params, headers=self.headers)).json()
            rows += [c["data"] for c in page["changes"] if c["entity"] == entity]
            cursor = page["cursor"]
            if not page["has_more"]:
                return rows


async def start(api: Api, ticket_id: int, *members: str, ask: str = "Help?") -> str:
    swarm_id = uuid7()
    ids = [api.world.people[m].id for m in members]
    result = await api.push(
        "swarm.start", {"id": swarm_id, "ticket_id": ticket_id, "member_ids": ids, "ask": ask}
    )
    assert result["outcome"] == "applied", result
    return swarm_id


async def test_members_talk_and_outsiders_are_refused(world: World) -> None:
    alice, bob, lee, ada = (Api(world, who) for who in ("alice", "bob", "lee", "ada"))
    swarm_id = await start(alice, world.ticket_ids[0], "ada", ask="Seen this?")
    said = await ada.push("swarm.message", {"id": uuid7(), "swarm_id": swarm_id, "body": "Yes"})
    assert said["outcome"] == "applied"

    refused = await bob.push("swarm.message", {"id": uuid7(), "swarm_id": swarm_id, "body": "x"})
    assert refused["outcome"] == "rejected"
    assert "not a member" in refused["reason"]
    assert (await bob.get(f"/v1/swarms/{swarm_id}")).status_code == 403
    assert await bob.pulled("swarm") == [] and await bob.pulled("swarm_message") == []

    read = await alice.get(f"/v1/swarms/{swarm_id}")
    assert read.status_code == 200
    body = read.json()
    assert body["swarm"]["member_ids"] == [world.people["alice"].id, world.people["ada"].id]
    assert [m["body"] for m in body["messages"]] == ["Yes"]
    # a lead of the ticket's group may read and post without being invited
    assert (await lee.get(f"/v1/swarms/{swarm_id}")).status_code == 200
    assert [m["body"] for m in await lee.pulled("swarm_message")] == ["Yes"]
    assert (await alice.get("/v1/swarms/nope")).status_code == 404


async def test_message_resent_is_stored_once_and_closed_rooms_refuse(world: World) -> None:
    alice, ada = Api(world, "alice"), Api(world, "ada")
    swarm_id = await start(alice, world.ticket_ids[0], "ada")
    message = {"id": uuid7(), "swarm_id": swarm_id, "body": "once"}
    assert (await ada.push("swarm.message", message))["outcome"] == "applied"
    assert (await ada.push("swarm.message", message))["outcome"] == "applied"
    clash = await alice.push("swarm.message", {**message, "body": "other"})
    assert clash["outcome"] == "rejected"
    assert [m["body"] for m in (await ada.get(f"/v1/swarms/{swarm_id}")).json()["messages"]] == [
        "once"
    ]

    by_admin = await ada.push("swarm.close", {"swarm_id": swarm_id, "summary": "x"})
    assert by_admin["outcome"] == "applied"  # ada is an admin: admins may close any swarm
    late = await alice.push("swarm.message", {"id": uuid7(), "swarm_id": swarm_id, "body": "hi"})
    assert late["outcome"] == "rejected" and "closed" in late["reason"]


async def test_close_posts_the_outcome_as_an_internal_note(world: World) -> None:
    alice, bob = Api(world, "alice"), Api(world, "bob")
    ticket_id = world.ticket_ids[1]
    swarm_id = await start(alice, ticket_id, "bob", "lee")
    refused = await bob.push("swarm.close", {"swarm_id": swarm_id, "summary": "done"})
    assert refused["outcome"] == "rejected"  # members talk; the owner closes
    closed = await alice.push("swarm.close", {"swarm_id": swarm_id, "summary": "Cache purged"})
    assert closed["outcome"] == "applied"
    swarm = (await bob.get(f"/v1/swarms/{swarm_id}")).json()["swarm"]
    assert swarm["status"] == "closed" and swarm["outcome"] == "Cache purged"
    note = world.server_messages(ticket_id)[-1]
    assert note["public"] is False or note["public"] == 0
    assert note["body"].startswith("Swarm outcome: Cache purged")
    assert "Alice, Bob, Lee" in note["body"]


async def test_invite_brings_the_history_to_the_new_member(world: World) -> None:
    alice, bob = Api(world, "alice"), Api(world, "bob")
    swarm_id = await start(alice, world.ticket_ids[0], "ada")
    await alice.push("swarm.message", {"id": uuid7(), "swarm_id": swarm_id, "body": "before"})
    assert await bob.pulled("swarm_message") == []
    invited = await alice.push(
        "swarm.invite", {"swarm_id": swarm_id, "member_ids": [world.people["bob"].id]}
    )
    assert invited["outcome"] == "applied"
    assert [m["body"] for m in await bob.pulled("swarm_message")] == ["before"]


async def test_bad_starts_are_rejected(world: World) -> None:
    alice = Api(world, "alice")
    lonely = await alice.push(
        "swarm.start",
        {
            "id": uuid7(),
            "ticket_id": world.ticket_ids[0],
            "member_ids": [world.people["alice"].id],
            "ask": "?",
        },
    )
    assert lonely["outcome"] == "rejected"
    ghost = await alice.push(
        "swarm.start",
        {"id": uuid7(), "ticket_id": world.ticket_ids[0], "member_ids": [9999], "ask": "?"},
    )
    assert ghost["outcome"] == "rejected" and "9999" in ghost["reason"]
    missing = await alice.push(
        "swarm.start", {"id": uuid7(), "ticket_id": 424242, "member_ids": [1], "ask": "?"}
    )
    assert missing["outcome"] == "rejected"
