"""The sync engine against the real reference server (in-process ASGI) and real cache files."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.sync.backend import AuthError, ForbiddenError, ProtocolError, TransientError
from agentdesk.sync.engine import LOGIN_EXPIRED
from agentdesk.sync.state import SyncState, SyncStatus
from synckit import Fault, World, build_world


@pytest.fixture
async def world(tmp_path: Path) -> World:
    return await build_world(tmp_path)


async def test_initial_sync_then_online_write_round_trip(world: World) -> None:
    alice = world.client("alice", page_size=5)
    seen: list[int] = []
    observed: list[tuple[int, int | None]] = []
    alice.engine.subscribe(lambda state: state.progress and observed.append(state.progress))
    report = await alice.engine.initial_sync(lambda rows, total: seen.append(rows))
    assert report.pulled >= len(world.ticket_ids) and seen and seen[-1] == report.pulled
    assert report.pages > 1 and [rows for rows, _ in observed] == seen
    assert alice.engine.state.current.progress is None  # cleared when done
    ticket_id = world.ticket_ids[0]
    assert alice.cache.ticket(ticket_id)["subject"] == "Ticket 0"

    mutation_id = alice.cache.update_ticket(ticket_id, status="pending")
    assert alice.cache.ticket(ticket_id)["status"] == "pending"  # optimistic
    assert alice.cache.pending_count() == 1
    report = await alice.sync()
    assert [(r.id, r.outcome) for r in report.results] == [(mutation_id, "applied")]
    assert world.server_ticket(ticket_id)["status"] == "pending"
    assert alice.cache.pending_count() == 0  # acknowledged by the pull, exactly once
    assert alice.cache.outbox_rows() == []
    state = alice.engine.state.current
    assert state.status is SyncStatus.ONLINE and state.last_success_at is not None
    await alice.close()


async def test_offline_writes_queue_then_sync_in_order(world: World) -> None:
    alice = world.client("alice")
    await alice.sync()
    ticket_id = world.ticket_ids[1]
    world.app.inject(Fault("/v1/mutations", "drop_before"))
    alice.cache.update_ticket(ticket_id, priority="high")
    alice.cache.add_message(ticket_id, "first reply")
    alice.cache.tag_ticket(ticket_id, add=["refund"])
    with pytest.raises(TransientError):
        await alice.sync()
    assert alice.engine.state.current.status is SyncStatus.OFFLINE
    assert alice.cache.pending_count() == 3
    await alice.sync()
    server = world.server_ticket(ticket_id)
    assert server["priority"] == "high" and server["tags"] == ["refund"]
    bodies = [m["body"] for m in world.server_messages(ticket_id)]
    assert bodies.count("first reply") == 1
    assert alice.cache.pending_count() == 0
    assert world.mutation_records(alice.cache.client_id) == [1, 2, 3]
    await alice.close()


async def test_reply_lost_after_commit_is_applied_exactly_once(world: World) -> None:
    alice = world.client("alice")
    await alice.sync()
    ticket_id = world.ticket_ids[2]
    message_id = alice.cache.add_message(ticket_id, "only once please")
    alice.cache.update_ticket(ticket_id, status="pending")
    world.app.inject(Fault("/v1/mutations", "drop_after"))
    with pytest.raises(TransientError):
        await alice.sync()
    # The server committed both; the client never heard. The retry gets "duplicate".
    report = await alice.sync()
    assert {r.outcome for r in report.results} == {"duplicate"}
    ids = [m["id"] for m in world.server_messages(ticket_id)]
    assert ids.count(message_id) == 1
    assert alice.cache.pending_count() == 0
    assert [m.id for m in alice.cache.thread(ticket_id)].count(message_id) == 1
    await alice.close()


async def test_mutation_ids_keep_increasing_after_acknowledged_rows_are_dropped(
    world: World,
) -> None:
    alice = world.client("alice")
    await alice.sync()
    first = alice.cache.update_ticket(world.ticket_ids[0], priority="urgent")
    await alice.sync()
    assert alice.cache.outbox_rows() == []
    second = alice.cache.update_ticket(world.ticket_ids[0], priority="low")
    assert second > first
    report = await alice.sync()
    assert [r.outcome for r in report.results] == ["applied"]
    assert world.server_ticket(world.ticket_ids[0])["priority"] == "low"
    await alice.close()


async def test_conflict_is_surfaced_and_kept(world: World) -> None:
    alice = world.client("alice")
    lee = world.client("lee")
    await alice.sync()
    await lee.sync()
    ticket_id = world.ticket_ids[3]
    lee.cache.update_ticket(ticket_id, status="on-hold")
    await lee.sync()
    alice.cache.update_ticket(ticket_id, status="pending")  # offline: saw "new"
    report = await alice.sync()
    assert [r.outcome for r in report.results] == ["conflict"]
    (conflict,) = alice.cache.conflicts()
    assert (conflict.field, conflict.mine, conflict.theirs) == ("status", "pending", "on-hold")
    assert alice.engine.state.current.conflicts == 1
    assert alice.cache.ticket(ticket_id)["status"] == "on-hold"  # server value shown
    # keep mine: a new mutation from theirs to mine
    alice.cache.resolve_conflict(conflict.id, "mine")
    await alice.sync()
    assert world.server_ticket(ticket_id)["status"] == "pending"
    assert alice.cache.conflicts() == []
    await alice.close()
    await lee.close()


async def test_rejected_mutation_is_kept_with_reason_and_queue_continues(world: World) -> None:
    alice = world.client("alice")
    await alice.sync()
    ticket_id = world.ticket_ids[4]
    bob_id = world.people["bob"].id
    alice.cache.assign_ticket(ticket_id, bob_id)  # agents may only take tickets themselves
    alice.cache.update_ticket(ticket_id, priority="high")
    report = await alice.sync()
    outcomes = [r.outcome for r in report.results]
    assert outcomes == ["rejected", "applied"]
    (rejected,) = alice.cache.outbox_rows(["rejected"])
    assert rejected.reason and "\n" not in rejected.reason
    assert alice.engine.state.current.rejected == 1
    assert world.server_ticket(ticket_id)["assignee_id"] is None
    assert alice.cache.ticket(ticket_id)["assignee_id"] is None  # rolled back locally
    await alice.close()


async def test_backoff_on_500_and_429_then_recovery(world: World) -> None:
    alice = world.client("alice")
    world.app.inject(
        Fault("/v1/changes", "status", status=503),
        Fault("/v1/changes", "status", status=429, headers={"Retry-After": "7"}),
    )
    with pytest.raises(TransientError):
        await alice.sync()
    with pytest.raises(TransientError) as info:
        await alice.sync()
    assert info.value.retry_after == 7
    assert alice.engine.state.current.status is SyncStatus.OFFLINE
    await alice.sync()
    assert alice.cache.ticket(world.ticket_ids[0]) is not None
    await alice.close()


async def test_expired_token_stops_with_login_message_and_keeps_outbox(world: World) -> None:
    alice = world.client("alice")
    await alice.sync()
    alice.cache.update_ticket(world.ticket_ids[0], status="pending")
    world.app.inject(Fault("/v1/mutations", "status", status=401))
    with pytest.raises(AuthError):
        await alice.sync()
    state = alice.engine.state.current
    assert (state.status, state.reason) == (SyncStatus.ERROR, LOGIN_EXPIRED)
    assert alice.cache.pending_count() == 1
    await alice.close()


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda body: "not an object",
        lambda body: {**body, "cursor": 5},
        lambda body: {k: v for k, v in body.items() if k != "has_more"},
        lambda body: {**body, "changes": body["changes"] + body["changes"][:1]},
        lambda body: {**body, "changes": [{**body["changes"][0], "version": "x"}]},
        lambda body: {**body, "changes": [{**body["changes"][0], "entity": "nope"}]},
        lambda body: {**body, "changes": list(reversed(body["changes"]))},
        lambda body: {**body, "changes": [_without_subject(c) for c in body["changes"]]},
    ],
    ids=[
        "not-object",
        "cursor-type",
        "missing",
        "duplicate",
        "version-type",
        "entity",
        "order",
        "row-field",
    ],
)
async def test_malformed_pull_is_a_protocol_error_and_cache_untouched(
    world: World, rewrite: object
) -> None:
    alice = world.client("alice")
    world.app.inject(Fault("/v1/changes", "rewrite", rewrite=rewrite))  # type: ignore[arg-type]
    with pytest.raises(ProtocolError) as info:
        await alice.sync()
    assert "\n" not in str(info.value)
    assert alice.engine.state.current.status is SyncStatus.ERROR
    assert alice.cache.cursor is None
    assert alice.cache.ticket(world.ticket_ids[0]) is None
    await alice.close()


def _without_subject(change: dict[str, object]) -> dict[str, object]:
    if change["entity"] != "ticket":
        return change
    data = dict(change["data"])  # type: ignore[call-overload]
    data.pop("subject")
    return {**change, "data": data}


async def test_garbage_body_is_a_protocol_error(world: World) -> None:
    alice = world.client("alice")
    world.app.inject(Fault("/v1/changes", "body", body=b"<html>proxy</html>"))
    with pytest.raises(ProtocolError, match="not valid JSON"):
        await alice.sync()
    await alice.close()


async def test_cursor_going_backwards_across_pages_is_refused(world: World) -> None:
    alice = world.client("alice", page_size=2)
    first_page: dict[str, object] = {}

    def remember(body: dict[str, object]) -> dict[str, object]:
        first_page.update(body)
        return body

    def replay_first(body: dict[str, object]) -> dict[str, object]:
        return {**first_page, "cursor": body["cursor"]}

    world.app.inject(
        Fault("/v1/changes", "rewrite", rewrite=remember),
        Fault("/v1/changes", "rewrite", rewrite=replay_first),
    )
    with pytest.raises(ProtocolError, match="backwards"):
        await alice.sync()
    await alice.close()


async def test_must_refetch_rebootstraps_and_keeps_outbox(world: World) -> None:
    alice = world.client("alice")
    await alice.sync()
    alice.cache.update_ticket(world.ticket_ids[5], priority="urgent", status=None)
    world.app.inject(
        Fault("/v1/mutations", "drop_before"),
    )
    with pytest.raises(TransientError):
        await alice.sync()
    world.app.inject(Fault("/v1/changes", "status", status=410))
    report = await alice.sync()
    assert report.refetched
    assert world.server_ticket(world.ticket_ids[5])["priority"] == "urgent"
    assert alice.cache.ticket(world.ticket_ids[5])["priority"] == "urgent"
    assert alice.cache.pending_count() == 0
    await alice.close()


async def test_push_is_split_into_batches(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentdesk.sync import reference

    monkeypatch.setattr(reference, "MAX_PUSH_BATCH", 3)
    alice = world.client("alice")
    await alice.sync()
    for n in range(7):
        alice.cache.add_message(world.ticket_ids[0], f"batch {n}")
    before = len([r for r in world.app.requests if r[1] == "/v1/mutations"])
    report = await alice.sync()
    after = len([r for r in world.app.requests if r[1] == "/v1/mutations"])
    assert after - before == 3  # 3 + 3 + 1
    assert [r.outcome for r in report.results] == ["applied"] * 7
    assert world.mutation_records(alice.cache.client_id) == list(range(1, 8))
    await alice.close()


async def test_state_observers_see_each_step(world: World) -> None:
    alice = world.client("alice")
    seen: list[SyncStatus] = []

    def observe(state: SyncState) -> None:
        if not seen or seen[-1] is not state.status:
            seen.append(state.status)

    unsubscribe = alice.engine.subscribe(observe)
    await alice.sync()
    assert seen == [SyncStatus.OFFLINE, SyncStatus.SYNCING, SyncStatus.ONLINE]
    unsubscribe()
    await alice.sync()
    assert len(seen) == 3
    await alice.close()


@pytest.mark.postgres
async def test_exactly_once_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    world = await build_world(tmp_path, db_url=postgres_url, tickets=2)
    alice = world.client("alice")
    await alice.sync()
    ticket_id = world.ticket_ids[0]
    message_id = alice.cache.add_message(ticket_id, "once on PostgreSQL")
    alice.cache.update_ticket(ticket_id, priority="high")
    world.app.inject(Fault("/v1/mutations", "drop_after"))
    with pytest.raises(TransientError):
        await alice.sync()
    await alice.sync()
    assert [m["id"] for m in world.server_messages(ticket_id)].count(message_id) == 1
    assert str(world.server_ticket(ticket_id)["priority"]) == "high"
    assert world.mutation_records(alice.cache.client_id) == [1, 2]
    assert alice.cache.pending_count() == 0
    await alice.close()
    world.engine.dispose()


async def test_a_server_that_lost_the_client_history_is_an_error_not_a_stall(
    world: World,
) -> None:
    alice = world.client("alice")
    await alice.sync()
    alice.cache.update_ticket(world.ticket_ids[0], priority="high")
    await alice.sync()
    alice.cache.update_ticket(world.ticket_ids[0], priority="low")  # mutation 2
    world.app.inject(
        Fault(
            "/v1/mutations",
            "rewrite",
            rewrite=lambda body: {"last_mutation_id": 0, "results": []},
        )
    )
    with pytest.raises(ProtocolError, match="history was lost"):
        await alice.sync()
    assert alice.engine.state.current.status is SyncStatus.ERROR
    assert alice.cache.pending_count() == 1  # kept
    await alice.close()


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/v1/changes", 403, ForbiddenError),
        ("/v1/mutations", 422, ProtocolError),
        ("/v1/mutations", 413, ProtocolError),
    ],
)
async def test_refusals_are_errors_with_one_line_and_keep_the_outbox(
    world: World, path: str, status: int, error: type[Exception]
) -> None:
    alice = world.client("alice")
    await alice.sync()
    alice.cache.update_ticket(world.ticket_ids[0], priority="high")
    world.app.inject(Fault(path, "status", status=status))
    with pytest.raises(error) as info:
        await alice.sync()
    assert "\n" not in str(info.value)
    state = alice.engine.state.current
    assert state.status is SyncStatus.ERROR and state.reason
    assert alice.cache.pending_count() == 1
    await alice.sync()  # the next pass goes through
    assert alice.cache.pending_count() == 0
    await alice.close()


async def test_server_error_text_is_made_inert(world: World) -> None:
    alice = world.client("alice")
    hostile = "down \x1b]0;pwned\x07\x1b[2J for [bold]maintenance[/]"
    world.app.inject(Fault("/v1/changes", "status", status=503, detail=hostile))
    with pytest.raises(TransientError) as info:
        await alice.sync()
    reason = alice.engine.state.current.reason or ""
    for text in (str(info.value), reason):
        assert "\x1b" not in text and "\x07" not in text
        assert "␛]0;pwned␇" in text
    await alice.close()


async def test_token_never_reaches_the_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    alice = world.client("alice")
    await alice.sync()
    alice.cache.add_message(world.ticket_ids[0], "logged?")
    world.app.inject(Fault("/v1/mutations", "status", status=500))
    with pytest.raises(TransientError):
        await alice.sync()
    await alice.sync()
    assert caplog.records  # httpx and friends did log
    assert world.people["alice"].token not in caplog.text
    await alice.close()
