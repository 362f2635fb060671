"""Push to a real Request Tracker 5: replies, notes, fields, conflicts, rejections, exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from rt_instance import RTApi, RTInstance

from agentdesk.domain.ids import uuid7
from agentdesk.sync.backend import OutgoingMutation, TransientError
from agentdesk.sync.rt import RTBackend, RTMapping, RTSettings, marker


def backend_for(rt: RTInstance, user: str = "alice", **kwargs: Any) -> RTBackend:
    settings = RTSettings(max_requests_per_second=1000, **kwargs)
    return RTBackend(rt.url, f"{user}:{rt.tokens[user]}", settings=settings)


def message(mid: int, ticket_id: int, body: str, *, public: bool = True) -> OutgoingMutation:
    args = {"id": uuid7(), "ticket_id": ticket_id, "body": body, "public": public}
    return OutgoingMutation(mid, "message.add", args)


def update(mid: int, ticket_id: int, **fields: tuple[Any, Any]) -> OutgoingMutation:
    pairs = {name: {"from": old, "to": new} for name, (old, new) in fields.items()}
    return OutgoingMutation(mid, "ticket.update", {"ticket_id": ticket_id, "fields": pairs})


def assign(mid: int, ticket_id: int, old: int | None, new: int | None) -> OutgoingMutation:
    return OutgoingMutation(mid, "ticket.assign", {"ticket_id": ticket_id, "from": old, "to": new})


def bodies(api: RTApi, ticket_id: int) -> list[tuple[str, str]]:
    """(type, visible text) of every message, the marker removed."""
    return [(kind, marker.split(text)[0]) for kind, text in api.message_contents(ticket_id)]


async def test_reply_and_note_reach_rt_once_with_their_kind(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    ticket = alice_api.create_ticket("Where is my parcel", "jo@customer.test", "Still waiting.")
    reply = message(1, ticket, "It ships today.")
    note = message(2, ticket, "Carrier confirmed by phone.", public=False)
    async with backend_for(rt_running) as backend:
        results = await backend.push([reply, note])
    assert [(r.id, r.outcome) for r in results] == [(1, "applied"), (2, "applied")]
    assert bodies(alice_api, ticket) == [
        ("Create", "Still waiting."),
        ("Correspond", "It ships today."),
        ("Comment", "Carrier confirmed by phone."),
    ]
    # The marker is in RT's copy, invisible, and it carries the client's message id.
    texts = [text for _, text in alice_api.message_contents(ticket)]
    assert marker.find(texts[1]) == reply.args["id"]
    assert marker.find(texts[2]) == note.args["id"]

    # On pull the message keeps the client's id and shows no marker.
    async with backend_for(rt_running) as backend:
        cursor = None
        pulled: dict[str, dict[str, Any]] = {}
        while True:
            page = await backend.pull(cursor, 1000)
            for change in page.changes:
                if change.entity == "message" and change.data["ticket_id"] == ticket:
                    pulled[str(change.id)] = change.data
            cursor = page.cursor
            if not page.has_more:
                break
    assert pulled[reply.args["id"]]["body"] == "It ships today."
    assert pulled[reply.args["id"]]["public"] is True
    assert pulled[note.args["id"]]["public"] is False


async def test_a_resent_reply_is_found_in_rt_and_not_posted_again(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    ticket = alice_api.create_ticket("Double trouble", "kim@customer.test", "Hello?")
    reply = message(7, ticket, "Answer once only.")
    async with backend_for(rt_running) as first:
        assert (await first.push([reply]))[0].outcome == "applied"
    # A new process (nothing in memory) is asked to send it again: it looks in RT first.
    async with backend_for(rt_running) as second:
        result = (await second.push([reply]))[0]
    assert result.outcome == "duplicate"
    assert [kind for kind, _ in bodies(alice_api, ticket)].count("Correspond") == 1


async def test_status_priority_subject_and_queue_apply_in_rt(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    ticket = alice_api.create_ticket("Slow login", "lou@customer.test", "Takes ages.", priority=50)
    async with backend_for(rt_running) as backend:
        results = await backend.push(
            [
                update(
                    1,
                    ticket,
                    status=("new", "pending"),
                    priority=("normal", "urgent"),
                    subject=("Slow login", "Slow login on mobile"),
                ),
            ]
        )
        billing = next(
            change.data["id"]
            for change in (await backend.pull(None, 1000)).changes
            if change.entity == "group" and change.data["name"] == "Billing"
        )
        moved = await backend.push([update(2, ticket, group_id=(None, billing))])
    assert [r.outcome for r in results] == ["applied"]
    after = alice_api.ticket(ticket)
    assert after["Status"] == "stalled"
    assert int(after["Priority"]) == 100
    assert after["Subject"] == "Slow login on mobile"
    # group_id's `from` (None) no longer matches RT's queue: a conflict, nothing moved.
    assert moved[0].outcome == "conflict"
    assert moved[0].conflicts["group_id"]["mine"] == billing
    assert alice_api.ticket(ticket)["Queue"]["id"] != str(billing)


async def test_assign_take_give_back_and_reassign(rt_running: RTInstance, alice_api: RTApi) -> None:
    ticket = alice_api.create_ticket("Assign me", "max@customer.test", "Who takes it?")
    alice_id = int(alice_api.user("alice")["id"])
    bob_id = int(alice_api.user("bob")["id"])
    async with backend_for(rt_running) as backend:
        results = await backend.push(
            [assign(1, ticket, None, alice_id), assign(2, ticket, alice_id, None)]
        )
        assert [r.outcome for r in results] == ["applied", "applied"]
        assert alice_api.ticket(ticket)["Owner"]["id"] == "Nobody"
        assert (await backend.push([assign(3, ticket, None, bob_id)]))[0].outcome == "applied"
        assert alice_api.ticket(ticket)["Owner"]["id"] == "bob"
        # RT's own rule: only the owner may give a ticket back; its words come back.
        refused = (await backend.push([assign(4, ticket, bob_id, None)]))[0]
    assert refused.outcome == "rejected"
    assert "You can only reassign tickets that you own" in (refused.reason or "")
    assert alice_api.ticket(ticket)["Owner"]["id"] == "bob"


async def test_stale_edit_becomes_per_field_conflict_and_the_rest_applies(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    ticket = alice_api.create_ticket("Refund?", "ned@customer.test", "I want my money back.")
    with rt_running.api("bob") as bob:
        bob.update(ticket, Status="resolved")  # meanwhile, someone else solved it
    async with backend_for(rt_running) as backend:
        result = (
            await backend.push(
                [update(1, ticket, status=("new", "pending"), priority=("low", "high"))]
            )
        )[0]
    assert result.outcome == "conflict"
    assert result.conflicts == {"status": {"base": "new", "mine": "pending", "theirs": "solved"}}
    after = alice_api.ticket(ticket)
    assert after["Status"] == "resolved"  # theirs kept: nothing silently overwritten
    assert int(after["Priority"]) == 80  # the field that did not conflict still applied


async def test_refused_owner_is_rejected_with_rts_words(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    ticket = alice_api.create_ticket("Give it to Dave", "olga@customer.test", "Please.")
    dave_id = int(alice_api.user("dave")["id"])
    assert int(alice_api.user("alice")["id"]) != dave_id
    async with backend_for(rt_running) as backend:
        give = OutgoingMutation(
            1, "ticket.assign", {"ticket_id": ticket, "from": None, "to": dave_id}
        )
        result = (await backend.push([give]))[0]
    assert result.outcome == "rejected"
    assert "That user may not own tickets in that queue" in (result.reason or "")
    assert alice_api.ticket(ticket)["Owner"]["id"] == "Nobody"


async def test_unknown_ticket_unsupported_and_malformed_mutations_are_rejected(
    rt_running: RTInstance,
) -> None:
    async with backend_for(rt_running) as backend:
        results = await backend.push(
            [
                message(1, 999_999, "Nobody home"),
                update(2, 999_999, status=("new", "open")),
                OutgoingMutation(3, "agent.availability", {"to": "away"}),
                OutgoingMutation(4, "ticket.tags", {"ticket_id": 1, "add": ["x"]}),
                OutgoingMutation(5, "ticket.update", {"ticket_id": "x"}),
            ]
        )
    assert [r.outcome for r in results] == ["rejected"] * 5
    assert all(r.reason for r in results)
    assert "availability" in (results[2].reason or "")
    assert "tags" in (results[3].reason or "")


async def test_tags_go_to_the_configured_custom_field(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    ticket = alice_api.create_ticket("Tag it", "pia@customer.test", "Tags please.")
    async with backend_for(rt_running, mapping=RTMapping(tags_field="Tags")) as backend:
        tag = OutgoingMutation(
            1, "ticket.tags", {"ticket_id": ticket, "add": ["vip", "refund"], "remove": []}
        )
        untag = OutgoingMutation(
            2, "ticket.tags", {"ticket_id": ticket, "add": [], "remove": ["refund"]}
        )
        assert [r.outcome for r in await backend.push([tag, untag])] == ["applied", "applied"]
    fields = alice_api.ticket(ticket)["CustomFields"]
    assert [f["values"] for f in fields if f["name"] == "Tags"] == [["vip"]]


async def test_rt_down_is_transient_and_nothing_is_lost(rt: RTInstance) -> None:
    rt.start()
    with rt.api("alice") as api:
        ticket = api.create_ticket("Offline reply", "quinn@customer.test", "Anyone?")
    replies = [message(i, ticket, f"Offline reply {i}") for i in (1, 2)]
    rt.stop()
    try:
        async with backend_for(rt) as backend:
            with pytest.raises(TransientError):
                await backend.push(replies)
    finally:
        rt.start()
    async with backend_for(rt) as backend:
        results = await backend.push(replies)
    assert [r.outcome for r in results] == ["applied", "applied"]
    with rt.api("alice") as api:
        assert [text for kind, text in bodies(api, ticket) if kind == "Correspond"] == [
            "Offline reply 1",
            "Offline reply 2",
        ]


async def test_a_write_between_our_read_and_our_put_is_caught_by_if_match(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    """RT answers 412 to the stale PUT; the adapter reads again and decides per field."""
    unrelated = alice_api.create_ticket("Race one", "xena@customer.test", "Subject race")
    related = alice_api.create_ticket("Race two", "yuri@customer.test", "Status race")
    interference = {
        unrelated: {"Subject": "Race one (renamed by Bob)"},
        related: {"Status": "resolved"},
    }
    async with backend_for(rt_running) as backend:
        fetch, put = backend._fetch_ticket, backend.client.update_ticket
        answers: list[int] = []

        async def fetch_then_bob_writes(ticket_id: int) -> Any:
            fetched = await fetch(ticket_id)
            change = interference.pop(ticket_id, None)
            if change is not None:
                with rt_running.api("bob") as bob:
                    bob.update(ticket_id, **change)
            return fetched

        async def recording_put(*args: Any) -> tuple[int, list[str]]:
            status, messages = await put(*args)
            answers.append(status)
            return status, messages

        backend._fetch_ticket = fetch_then_bob_writes  # type: ignore[method-assign]
        backend.client.update_ticket = recording_put  # type: ignore[method-assign]
        results = await backend.push(
            [
                update(1, unrelated, priority=("low", "high")),
                update(2, related, status=("new", "open")),
            ]
        )
    assert answers == [412, 200, 412]  # each PUT after Bob's write was refused as stale
    assert results[0].outcome == "applied"  # Bob changed another field: no conflict
    assert int(alice_api.ticket(unrelated)["Priority"]) == 80
    assert alice_api.ticket(unrelated)["Subject"] == "Race one (renamed by Bob)"
    assert results[1].outcome == "conflict"
    assert results[1].conflicts["status"]["theirs"] == "solved"
    assert alice_api.ticket(related)["Status"] == "resolved"


async def test_a_lost_answer_is_not_a_second_reply(
    rt_running: RTInstance, alice_api: RTApi
) -> None:
    """RT applies the reply but its answer is lost (connection reset): the outcome is
    unknown, so the push fails transiently; the retry finds the reply and does not repost."""
    from drop_proxy import DropProxy

    ticket = alice_api.create_ticket("Lossy line", "zoe@customer.test", "Hello?")
    reply = message(1, ticket, "Sent over a bad line.")
    settings = RTSettings(max_requests_per_second=1000)
    secret = f"alice:{rt_running.tokens['alice']}"
    async with DropProxy(rt_running.port, lambda line: b"/correspond " in line) as proxy:
        async with RTBackend(proxy.url, secret, settings=settings) as lossy:
            with pytest.raises(TransientError):
                await lossy.push([reply])
        assert proxy.dropped == 1
    assert [kind for kind, _ in bodies(alice_api, ticket)].count("Correspond") == 1  # it landed
    async with backend_for(rt_running) as backend:
        assert [r.outcome for r in await backend.push([reply])] == ["duplicate"]
    assert [text for kind, text in bodies(alice_api, ticket) if kind == "Correspond"] == [
        "Sent over a bad line."
    ]
