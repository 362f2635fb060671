"""Pull from a real Request Tracker 5: first sync, then incremental by transaction watermark."""

from __future__ import annotations

from typing import Any

from rt_instance import RTApi, RTInstance

from agentdesk.domain import models
from agentdesk.sync.backend import Change
from agentdesk.sync.rt import RTBackend, RTCursor, RTMapping, RTSettings


def backend_for(rt: RTInstance, user: str = "alice", **kwargs: Any) -> RTBackend:
    settings = RTSettings(max_requests_per_second=1000, **kwargs)
    return RTBackend(rt.url, f"{user}:{rt.tokens[user]}", settings=settings)


async def pull_until_done(
    backend: RTBackend, cursor: str | None, limit: int = 1000
) -> tuple[list[Change], str, int]:
    """Every change until has_more is false: (changes, final cursor, pages)."""
    changes: list[Change] = []
    pages = 0
    while True:
        page = await backend.pull(cursor, limit)
        assert not page.refetch
        pages += 1
        changes += page.changes
        cursor = page.cursor
        if not page.has_more:
            return changes, cursor, pages


def rows(changes: list[Change], entity: str) -> dict[Any, dict[str, Any]]:
    return {c.id: c.data for c in changes if c.entity == entity and c.op == "upsert" and c.data}


async def test_first_sync_maps_tickets_threads_people_and_queues(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    printer = alice_api.create_ticket(
        "Printer on fire", "erin@customer.test", "It is burning.", priority=80
    )
    alice_api.correspond(printer, "Unplug it, please.")
    alice_api.comment(printer, "Internal: call facilities.")
    invoice = alice_api.create_ticket(
        "Invoice twice", "frank@customer.test", "Charged twice.", queue="Billing", priority=10
    )
    alice_api.update(invoice, Status="stalled", Owner="bob")
    alice_id = int(alice_api.user("alice")["id"])
    bob_id = int(alice_api.user("bob")["id"])

    async with backend_for(rt_running) as backend:
        changes, cursor, pages = await pull_until_done(backend, None, limit=3)
    assert pages > 1  # the small limit made it page
    tickets = rows(changes, "ticket")
    messages = rows(changes, "message")
    customers = rows(changes, "customer")
    groups = rows(changes, "group")
    agents = rows(changes, "agent")

    # Every row validates as the domain model says.
    for entity, table in (("ticket", tickets), ("message", messages), ("customer", customers)):
        for data in table.values():
            models.SYNCED_MODELS[entity].model_validate(data)

    first = tickets[printer]
    assert first["subject"] == "Printer on fire"
    assert first["status"] == "open"  # the reply opened it (RT's own scrip)
    assert first["priority"] == "high"  # default thresholds: normal 25, high 75, urgent 95
    assert customers[first["customer_id"]]["email"] == "erin@customer.test"
    assert groups[first["group_id"]]["name"] == "Support"
    assert first["assignee_id"] is None

    second = tickets[invoice]
    assert second["status"] == "pending"  # stalled
    assert second["priority"] == "low"
    assert second["assignee_id"] == bob_id
    assert groups[second["group_id"]]["name"] == "Billing"
    assert bob_id in agents and alice_id in agents
    # The signed-in agent's groups are the queues they can see.
    assert {groups[g]["name"] for g in agents[alice_id]["group_ids"]} >= {"Support", "Billing"}

    thread = sorted(
        (m for m in messages.values() if m["ticket_id"] == printer), key=lambda m: m["id"]
    )
    kinds = [(m["author_kind"], m["public"], m["body"]) for m in thread]
    assert kinds == [
        ("customer", True, "It is burning."),
        ("agent", True, "Unplug it, please."),
        ("agent", False, "Internal: call facilities."),
    ]
    assert thread[0]["author_id"] == first["customer_id"]
    assert thread[1]["author_id"] == alice_id
    assert all(m["id"].startswith("rt-txn-") for m in thread)
    assert RTCursor.decode(cursor).phase == "feed"


async def test_incremental_pull_fetches_only_changed_tickets(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    quiet = alice_api.create_ticket("Quiet one", "gina@customer.test", "Nothing happens here.")
    busy = alice_api.create_ticket("Busy one", "hank@customer.test", "Things happen here.")
    async with backend_for(rt_running) as backend:
        _, cursor, _ = await pull_until_done(backend, None)

        # A quiet poll: one request, nothing new, the same watermark (the signed-in agent and
        # the queues were sent with the first pull of this process).
        before = backend.client.requests
        page = await backend.pull(cursor, 1000)
        assert page.changes == [] and not page.has_more
        assert backend.client.requests - before == 1
        assert RTCursor.decode(page.cursor).watermark == RTCursor.decode(cursor).watermark

        with rt_running.api("bob") as bob:
            bob.correspond(busy, "Bob answers.")
            bob.update(busy, Priority=96)
        changes, cursor2, _ = await pull_until_done(backend, page.cursor)

    tickets = rows(changes, "ticket")
    assert set(tickets) == {busy}  # the quiet ticket was not re-read
    assert quiet not in tickets
    assert tickets[busy]["priority"] == "urgent"
    new_messages = [m for m in rows(changes, "message").values() if m["ticket_id"] == busy]
    assert [m["body"] for m in new_messages] == ["Bob answers."]
    assert new_messages[0]["author_kind"] == "agent"
    assert RTCursor.decode(cursor2).watermark > RTCursor.decode(cursor).watermark


async def test_a_customer_reply_by_mail_is_a_customer_message(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    ticket = alice_api.create_ticket("Mail me", "uma@customer.test", "First mail.")
    async with backend_for(rt_running) as backend:
        _, cursor, _ = await pull_until_done(backend, None)
        rt_running.customer_reply(ticket, "uma@customer.test", "Second mail, from my phone.")
        changes, _, _ = await pull_until_done(backend, cursor)
    (message,) = [m for m in rows(changes, "message").values() if m["ticket_id"] == ticket]
    customer_id = rows(changes, "ticket")[ticket]["customer_id"]
    assert message["body"] == "Second mail, from my phone."
    assert (message["author_kind"], message["author_id"], message["public"]) == (
        "customer",
        customer_id,
        True,
    )


async def test_deleted_ticket_leaves_the_cache_and_tags_come_from_the_custom_field(
    rt_running: RTInstance, root_api: RTApi
) -> None:
    doomed = root_api.create_ticket("Spam", "spam@customer.test", "Buy now")
    tagged = root_api.create_ticket("Tagged", "ivy@customer.test", "Please tag me")
    root_api.update(tagged, CustomFields={"Tags": ["vip", "refund"]})
    async with backend_for(rt_running, mapping=RTMapping(tags_field="Tags")) as backend:
        changes, cursor, _ = await pull_until_done(backend, None)
        assert sorted(rows(changes, "ticket")[tagged]["tags"]) == ["refund", "vip"]
        root_api.update(doomed, Status="deleted")
        changes, _, _ = await pull_until_done(backend, cursor)
    deletions = [c for c in changes if c.entity == "ticket" and c.op == "delete"]
    assert [c.id for c in deletions] == [doomed]


async def test_a_garbled_cursor_asks_for_a_refetch(rt_running: RTInstance) -> None:
    async with backend_for(rt_running) as backend:
        page = await backend.pull("not-a-cursor", 100)
    assert page.refetch and page.changes == []
