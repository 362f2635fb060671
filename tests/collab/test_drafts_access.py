"""Shared drafts and swarms leave a lead's cache with their ticket (real server, real caches).

A lead sees the drafts and swarms on the tickets of their group; when an admin moves such a
ticket to another group, the lead's next pull deletes them (the ticket too, unless it is
still assigned to the lead), while the owner, reviewers and members keep theirs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.domain.ids import uuid7
from agentdesk.server.accounts import create_agent
from agentdesk.store import draft_queries, swarm_queries
from synckit import Client, World, build_world


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str | None:
    """None: the world's SQLite file; else a fresh PostgreSQL database."""
    return None if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


def share(client: Client, ticket_id: int, body: str, *reviewers: int) -> str:
    draft_id = uuid7()
    client.cache.record_mutation(
        "draft.share",
        {"id": draft_id, "ticket_id": ticket_id, "body": body, "reviewer_ids": list(reviewers)},
    )
    return draft_id


def start_swarm(client: Client, ticket_id: int, member: int) -> tuple[str, str]:
    """A swarm on the ticket with one member and one chat line: (swarm id, message id)."""
    swarm_id, line_id = uuid7(), uuid7()
    client.cache.record_mutation(
        "swarm.start",
        {"id": swarm_id, "ticket_id": ticket_id, "member_ids": [member], "ask": "Seen this?"},
    )
    client.cache.record_mutation(
        "swarm.message", {"id": line_id, "swarm_id": swarm_id, "body": "Logs attached."}
    )
    return swarm_id, line_id


async def move_to_new_group(world: World, ticket_id: int) -> None:
    """The admin moves the ticket out of `support` into a new group `billing`."""
    billing = create_agent(
        world.engine,
        email="bea@example.com",
        name="Bea",
        role="agent",
        password="secret-pw",
        groups=["billing"],
    ).group_ids[0]
    ada = world.client("ada")
    await ada.sync()
    support = world.server_ticket(ticket_id)["group_id"]
    ada.cache.record_mutation(
        "ticket.update",
        {"ticket_id": ticket_id, "fields": {"group_id": {"from": support, "to": billing}}},
    )
    report = await ada.sync()
    assert [r.outcome for r in report.results] == ["applied"]
    await ada.close()


def draft_ids(client: Client) -> set[str]:
    return {d["id"] for d in draft_queries.shared_drafts(client.cache)}


def swarm_ids(client: Client) -> set[str]:
    return {s.id for s in swarm_queries.swarms(client.cache, include_closed=True, mine_only=False)}


def chat_ids(client: Client, swarm_id: str) -> set[str]:
    return {m.id for m in swarm_queries.messages(client.cache, swarm_id)}


async def test_drafts_and_swarms_seen_through_the_group_leave_with_the_ticket(
    tmp_path: Path, db_url: str | None
) -> None:
    world = await build_world(tmp_path, db_url, tickets=2)
    moved, kept = world.ticket_ids
    people = {name: person.id for name, person in world.people.items()}
    alice, bob, lee = world.client("alice"), world.client("bob"), world.client("lee")
    for client in (alice, bob, lee):
        await client.sync()
    through_group = share(alice, moved, "Seen by the lead via the group", people["bob"])
    reviewed = share(alice, moved, "The lead reviews this one", people["lee"])
    other_ticket = share(alice, kept, "On a ticket that stays", people["bob"])
    swarm_id, line_id = start_swarm(alice, moved, people["bob"])
    report = await alice.sync()
    assert {r.outcome for r in report.results} == {"applied"}
    for client in (bob, lee):
        await client.sync()
    assert draft_ids(lee) == {through_group, reviewed, other_ticket}
    assert swarm_ids(lee) == {swarm_id}
    assert chat_ids(lee, swarm_id) == {line_id}

    await move_to_new_group(world, moved)
    await lee.sync()
    assert lee.cache.row("ticket", moved) is None
    assert lee.cache.row("ticket", kept) is not None
    # the reviewer keeps the draft shared with them; what the group showed is gone
    assert draft_ids(lee) == {reviewed, other_ticket}
    assert lee.cache.row("shared_draft", through_group) is None
    assert swarm_ids(lee) == set()
    assert lee.cache.row("swarm", swarm_id) is None
    assert lee.cache.row("swarm_message", line_id) is None

    # owner, reviewer and member keep theirs (though they no longer see the ticket)
    await alice.sync()
    await bob.sync()
    assert alice.cache.row("ticket", moved) is None
    assert draft_ids(alice) == {through_group, reviewed, other_ticket}
    assert draft_ids(bob) == {through_group, other_ticket}
    for client in (alice, bob):
        assert swarm_ids(client) == {swarm_id}
        assert chat_ids(client, swarm_id) == {line_id}
    for client in (alice, bob, lee):
        await client.close()


async def test_a_lead_keeping_the_ticket_by_assignment_still_loses_the_group_view(
    tmp_path: Path, db_url: str | None
) -> None:
    world = await build_world(tmp_path, db_url, tickets=1)
    (ticket_id,) = world.ticket_ids
    people = {name: person.id for name, person in world.people.items()}
    alice, lee = world.client("alice"), world.client("lee")
    await alice.sync()
    await lee.sync()
    lee.cache.record_mutation(
        "ticket.assign", {"ticket_id": ticket_id, "from": None, "to": people["lee"]}
    )
    await lee.sync()
    draft_id = share(alice, ticket_id, "Lee sees this only as the group's lead", people["bob"])
    swarm_id, line_id = start_swarm(alice, ticket_id, people["bob"])
    await alice.sync()
    await lee.sync()
    assert draft_ids(lee) == {draft_id}
    assert chat_ids(lee, swarm_id) == {line_id}

    await move_to_new_group(world, ticket_id)
    await lee.sync()
    assert lee.cache.row("ticket", ticket_id) is not None  # still assigned to lee
    assert draft_ids(lee) == set()
    assert lee.cache.row("swarm", swarm_id) is None
    assert lee.cache.row("swarm_message", line_id) is None
    await alice.sync()
    assert draft_ids(alice) == {draft_id}
    assert swarm_ids(alice) == {swarm_id}
    for client in (alice, lee):
        await client.close()


async def test_a_pending_edit_of_a_draft_that_leaves_with_its_ticket(tmp_path: Path) -> None:
    """The lead edits a draft offline; meanwhile the ticket leaves the lead's group. The edit
    is refused in one line, kept until dismissed, and the draft leaves the lead's cache."""
    world = await build_world(tmp_path, tickets=1)
    (ticket_id,) = world.ticket_ids
    people = {name: person.id for name, person in world.people.items()}
    alice, lee = world.client("alice"), world.client("lee")
    await alice.sync()
    draft_id = share(alice, ticket_id, "Original text", people["bob"])
    await alice.sync()
    await lee.sync()
    lee.cache.record_mutation("draft.edit", {"draft_id": draft_id, "body": "Lee's rewrite"})
    assert lee.cache.row("shared_draft", draft_id)["body"] == "Lee's rewrite"  # optimistic

    await move_to_new_group(world, ticket_id)
    report = await lee.sync()
    assert [(r.outcome, r.reason) for r in report.results] == [
        ("rejected", f"shared draft {draft_id} is not shared with you")
    ]
    await lee.sync()
    assert lee.cache.row("shared_draft", draft_id) is None
    assert lee.cache.rejected_count() == 1
    [rejected] = lee.cache.outbox_rows(["rejected"])
    lee.cache.dismiss_rejected(rejected.id)
    assert lee.cache.pending_count() == 0 and lee.cache.rejected_count() == 0
    await alice.sync()
    assert alice.cache.row("shared_draft", draft_id)["body"] == "Original text"
    for client in (alice, lee):
        await client.close()
