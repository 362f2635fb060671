"""Server rules for canned responses, through real caches and the sync engine."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from agentdesk.domain.models import CannedResponse
from agentdesk.store.macros import create_canned, delete_canned, update_canned
from synckit import SERVER_URL, Client, World, build_world

CANNED = CannedResponse.__table__  # type: ignore[attr-defined]


def server_rows(world: World) -> dict[str, dict]:
    with world.engine.connect() as conn:
        return {r["id"]: dict(r) for r in conn.execute(select(CANNED)).mappings()}


async def push_raw(world: World, who: str, mutations: list[tuple[str, dict]]) -> list[dict]:
    """POST /v1/mutations as `who` (for ids their cache does not hold)."""
    body = {
        "client_id": f"raw-{who}",
        "mutations": [
            {"id": n + 1, "name": name, "args": args} for n, (name, args) in enumerate(mutations)
        ],
    }
    async with httpx.AsyncClient(transport=world.transport(), base_url=SERVER_URL) as http:
        response = await http.post(
            "/v1/mutations",
            json=body,
            headers={"Authorization": f"Bearer {world.people[who].token}"},
        )
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


async def outcomes(client: Client) -> list[tuple[str, str | None]]:
    report = await client.sync()
    return [(r.outcome, r.reason) for r in report.results]


async def test_personal_ones_belong_to_their_owner(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=0)
    alice, bob = world.client("alice"), world.client("bob")
    await bob.sync()
    canned_id, _ = create_canned(alice.cache, title="Mine", body="Hi {{ customer.name }}")
    assert await outcomes(alice) == [("applied", None)]
    row = server_rows(world)[canned_id]
    assert row["owner_id"] == world.people["alice"].id and row["title"] == "Mine"

    # Bob never sees it (pull visibility) and cannot change it by id either.
    await bob.sync()
    assert bob.cache.row("canned_response", canned_id) is None
    results = await push_raw(
        world,
        "bob",
        [
            (
                "canned_response.update",
                {"id": canned_id, "fields": {"title": {"from": "Mine", "to": "B"}}},
            ),
            ("canned_response.delete", {"id": canned_id}),
        ],
    )
    assert [r["outcome"] for r in results] == ["rejected", "rejected"]
    assert all("not found" in r["reason"] for r in results)
    assert server_rows(world)[canned_id]["title"] == "Mine"

    # The owner edits and deletes; the deletion reaches other devices by pull.
    laptop = world.client("alice", "alice-laptop")
    await laptop.sync()
    assert laptop.cache.row("canned_response", canned_id)["title"] == "Mine"
    update_canned(alice.cache, canned_id, title="Mine, renamed", tags=["x"])
    assert await outcomes(alice) == [("applied", None)]
    delete_canned(alice.cache, canned_id)
    assert alice.cache.row("canned_response", canned_id) is None  # optimistic
    assert await outcomes(alice) == [("applied", None)]
    assert canned_id not in server_rows(world)
    await laptop.sync()
    assert laptop.cache.row("canned_response", canned_id) is None
    for client in (alice, bob, laptop):
        await client.close()


async def test_shared_ones_are_for_leads_and_admins(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=0)
    alice, lee, ada = world.client("alice"), world.client("lee"), world.client("ada")
    for client in (alice, lee, ada):
        await client.sync()
    denied_id, _ = create_canned(alice.cache, title="Team", body="x", shared=True)
    assert alice.cache.row("canned_response", denied_id) is not None  # optimistic
    assert await outcomes(alice) == [
        ("rejected", "only leads and admins may change shared canned responses")
    ]
    assert alice.cache.row("canned_response", denied_id) is None  # rolled back locally
    assert denied_id not in server_rows(world)

    shared_id, _ = create_canned(lee.cache, title="Team", body="Hello", shared=True)
    assert await outcomes(lee) == [("applied", None)]
    assert server_rows(world)[shared_id]["owner_id"] is None
    await alice.sync()
    assert alice.cache.row("canned_response", shared_id)["title"] == "Team"

    # An agent may not change or delete it; the local delete comes back after rejection.
    update_canned(alice.cache, shared_id, body="Changed by alice")
    delete_canned(alice.cache, shared_id)
    assert alice.cache.row("canned_response", shared_id) is None
    results = await outcomes(alice)
    assert [o for o, _ in results] == ["rejected", "rejected"]
    restored = alice.cache.row("canned_response", shared_id)
    assert restored is not None and restored["body"] == "Hello"

    # An admin may; concurrent edits of one field conflict like ticket fields.
    await ada.sync()
    await lee.sync()
    update_canned(ada.cache, shared_id, body="Admin text")
    update_canned(lee.cache, shared_id, body="Lead text")
    assert await outcomes(ada) == [("applied", None)]
    report = await lee.sync()
    assert [r.outcome for r in report.results] == ["conflict"]
    assert report.results[0].conflicts["body"]["theirs"] == "Admin text"
    assert server_rows(world)[shared_id]["body"] == "Admin text"

    # Usage is counted by everyone who can see it.
    alice.cache.record_mutation("canned_response.use", {"id": shared_id})
    assert await outcomes(alice) == [("applied", None)]
    assert server_rows(world)[shared_id]["usage_count"] == 1
    for client in (alice, lee, ada):
        await client.close()


async def test_bad_bodies_and_reused_ids_are_rejected(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=0)
    alice = world.client("alice")
    await alice.sync()
    create_canned(alice.cache, title="Broken", body="Hi\n{% if x %}")
    create_canned(alice.cache, title="Unknown filter", body="a\n{{ x | nope }}")
    results = await outcomes(alice)
    assert [o for o, _ in results] == ["rejected", "rejected"]
    assert "line 2" in (results[0][1] or "") and "endif" in (results[0][1] or "")
    assert "unknown filter 'nope'" in (results[1][1] or "")

    canned_id, _ = create_canned(alice.cache, title="Once", body="x", canned_id="fixed-id-1")
    assert await outcomes(alice) == [("applied", None)]
    # The same id with other content is refused; a repeat of the same insert is harmless.
    alice.cache.record_mutation(
        "canned_response.create", {"id": canned_id, "title": "Other", "body": "y"}
    )
    alice.cache.record_mutation(
        "canned_response.create", {"id": canned_id, "title": "Once", "body": "x"}
    )
    results = await outcomes(alice)
    assert [o for o, _ in results] == ["rejected", "applied"]
    assert server_rows(world)[canned_id]["title"] == "Once"
    await alice.close()
