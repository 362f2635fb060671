"""Shared drafts end to end: a real server (in-process ASGI), real caches, the sync engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.domain.ids import uuid7
from agentdesk.store import draft_queries
from synckit import build_world


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str | None:
    """None: the world's SQLite file; else a fresh PostgreSQL database."""
    return None if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


async def test_shared_draft_round_trips_with_edits_and_comments(
    tmp_path: Path, db_url: str | None
) -> None:
    world = await build_world(tmp_path, db_url, tickets=2)
    ticket_id = world.ticket_ids[0]
    alice, bob = world.client("alice"), world.client("bob")
    await alice.sync()
    await bob.sync()
    draft_id = uuid7()
    alice.cache.record_mutation(
        "draft.share",
        {
            "id": draft_id,
            "ticket_id": ticket_id,
            "body": "Hello, try restarting.",
            "reviewer_ids": [world.people["bob"].id],
        },
    )
    assert draft_queries.shared_draft(alice.cache, draft_id)["body"] == "Hello, try restarting."
    await alice.sync()
    await bob.sync()
    seen = draft_queries.shared_drafts(bob.cache)
    assert [d["id"] for d in seen] == [draft_id]
    assert seen[0]["owner_id"] == world.people["alice"].id

    # bob edits and comments; alice sees both
    bob.cache.record_mutation(
        "draft.edit", {"draft_id": draft_id, "body": "Hello, please restart the router."}
    )
    bob.cache.record_mutation(
        "draft.comment", {"draft_id": draft_id, "id": uuid7(), "body": "Be specific."}
    )
    report = await bob.sync()
    assert [r.outcome for r in report.results] == ["applied", "applied"]
    await alice.sync()
    mine = draft_queries.shared_draft(alice.cache, draft_id)
    assert mine["body"] == "Hello, please restart the router."
    assert mine["edited_by"] == world.people["bob"].id
    assert [(c["author_id"], c["body"]) for c in mine["comments"]] == [
        (world.people["bob"].id, "Be specific.")
    ]

    # only the owner sends it
    bob.cache.record_mutation("draft.send", {"draft_id": draft_id, "message_id": uuid7()})
    report = await bob.sync()
    assert [r.outcome for r in report.results] == ["rejected"]
    message_id = uuid7()
    alice.cache.record_mutation("draft.send", {"draft_id": draft_id, "message_id": message_id})
    report = await alice.sync()
    assert [r.outcome for r in report.results] == ["applied"]
    sent = [m for m in world.server_messages(ticket_id) if m["id"] == message_id]
    assert [m["body"] for m in sent] == ["Hello, please restart the router."]
    await alice.sync()
    assert draft_queries.shared_drafts(alice.cache) == []
    assert draft_queries.shared_draft(alice.cache, draft_id)["status"] == "sent"
    for client in (alice, bob):
        await client.close()
    reopened = world.client("bob")  # the same cache file: the draft survives a restart
    assert draft_queries.shared_draft(reopened.cache, draft_id)["comments"][0]["body"] == (
        "Be specific."
    )
    await reopened.close()


async def test_shared_draft_is_seen_only_by_owner_reviewers_and_leads(
    tmp_path: Path, db_url: str | None
) -> None:
    world = await build_world(tmp_path, db_url, tickets=2)
    alice = world.client("alice")
    await alice.sync()
    alice.cache.record_mutation(
        "draft.share",
        {
            "id": uuid7(),
            "ticket_id": world.ticket_ids[0],
            "body": "For the lead only",
            "reviewer_ids": [world.people["lee"].id],
        },
    )
    await alice.sync()
    bob, lee = world.client("bob"), world.client("lee")
    await bob.sync()
    await lee.sync()
    assert draft_queries.shared_drafts(bob.cache) == []
    assert [d["body"] for d in draft_queries.shared_drafts(lee.cache)] == ["For the lead only"]
    for client in (alice, bob, lee):
        await client.close()
