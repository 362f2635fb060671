"""Several clients editing the same tickets offline, then syncing: nothing lost, all surfaced.

1. Two agents and a lead edit one ticket offline and sync in every order (3! orders).
2. A Hypothesis state machine drives random offline writes, syncs and lost replies from three
   clients; after a final quiet round every cache equals the server, every mutation reached
   the server exactly once, and every reply exists once.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from agentdesk.sync.backend import TransientError
from synckit import Client, Fault, World, build_world

PEOPLE = ("alice", "bob", "lee")


def cache_view(client: Client, ticket_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    out = {}
    for ticket_id in ticket_ids:
        t = client.cache.ticket(ticket_id)
        messages = sorted(m.id for m in client.cache.thread(ticket_id))
        out[ticket_id] = (
            t["status"],
            t["priority"],
            t["assignee_id"],
            sorted(t["tags"]),
            messages,
        )
    return out


def server_view(world: World, ticket_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    out = {}
    for ticket_id in ticket_ids:
        t = world.server_ticket(ticket_id)
        messages = sorted(m["id"] for m in world.server_messages(ticket_id))
        out[ticket_id] = (
            str(t["status"]),
            str(t["priority"]),
            t["assignee_id"],
            sorted(t["tags"]),
            messages,
        )
    return out


@pytest.mark.parametrize("order", list(itertools.permutations(PEOPLE)), ids="-".join)
async def test_two_agents_and_a_lead_offline_in_every_order(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    world = await build_world(tmp_path, tickets=2)
    clients = {who: world.client(who) for who in PEOPLE}
    for client in clients.values():
        await client.sync()
    ticket_id = world.ticket_ids[0]
    # No reassignment here: it changes who may reply (see the next test).
    edits: dict[str, dict[str, Any]] = {
        "alice": {"status": "pending", "priority": "high"},
        "bob": {"status": "on-hold", "priority": "low"},
        "lee": {"status": "solved", "priority": "urgent"},
    }
    messages: dict[str, list[str]] = {}
    field_mutations: dict[str, dict[str, int]] = {}
    for who, fields in edits.items():  # everyone offline, from the same base
        cache = clients[who].cache
        ids = {}
        plain = {k: v for k, v in fields.items() if k != "assignee_id"}
        mutation_id = cache.update_ticket(ticket_id, **plain)
        ids.update(dict.fromkeys(plain, mutation_id))
        if "assignee_id" in fields:
            ids["assignee_id"] = cache.assign_ticket(ticket_id, fields["assignee_id"])
        cache.tag_ticket(ticket_id, add=[f"tag-{who}"])
        messages[who] = [
            cache.add_message(ticket_id, f"reply from {who}"),
            cache.add_message(ticket_id, f"note from {who}", public=False),
        ]
        field_mutations[who] = ids

    outcomes: dict[str, dict[int, Any]] = {}
    for who in order:
        report = await clients[who].sync()
        outcomes[who] = {r.id: r for r in report.results}

    first = order[0]
    for who, fields in edits.items():
        cache = clients[who].cache
        conflicts = {(c.mutation_id, c.field) for c in cache.conflicts()}
        rejected = {row.id for row in cache.outbox_rows(["rejected"])}
        for field in fields:
            mutation_id = field_mutations[who][field]
            result = outcomes[who][mutation_id]
            if who == first:
                assert result.outcome == "applied", (who, field, result)
            # None lost silently: applied, or surfaced as a conflict or a rejection.
            if result.outcome == "conflict" and field in result.conflicts:
                assert (mutation_id, field) in conflicts
            elif result.outcome == "rejected":
                assert mutation_id in rejected and result.reason
            else:
                assert result.outcome == "applied", (who, field, result)
    for client in clients.values():  # a quiet round: everyone pulls everything
        await client.sync()
    expected = server_view(world, [ticket_id])
    all_messages = [m for ids in messages.values() for m in ids]
    assert set(all_messages) <= set(expected[ticket_id][4])
    assert len(expected[ticket_id][4]) == len(set(expected[ticket_id][4]))
    assert set(expected[ticket_id][3]) >= {"tag-alice", "tag-bob", "tag-lee"}  # tags merge
    for client in clients.values():
        assert cache_view(client, [ticket_id]) == expected
        await client.close()


@pytest.mark.parametrize("lead_first", [True, False])
async def test_reassignment_race_is_surfaced(tmp_path: Path, lead_first: bool) -> None:
    """Alice takes a ticket offline while the lead gives it to Bob: one wins, the other shows."""
    world = await build_world(tmp_path, tickets=1)
    alice, lee = world.client("alice"), world.client("lee")
    await alice.sync()
    await lee.sync()
    ticket_id = world.ticket_ids[0]
    take = alice.cache.assign_ticket(ticket_id, world.people["alice"].id)
    give = lee.cache.assign_ticket(ticket_id, world.people["bob"].id)
    first, second = (lee, alice) if lead_first else (alice, lee)
    first_report = await first.sync()
    second_report = await second.sync()
    assert [r.outcome for r in first_report.results] == ["applied"]
    (late,) = second_report.results
    assert late.id == (take if lead_first else give)
    if late.outcome == "conflict":
        assert [c.field for c in second.cache.conflicts()] == ["assignee_id"]
    else:
        assert late.outcome == "rejected" and late.reason
        assert [r.id for r in second.cache.outbox_rows(["rejected"])] == [late.id]
    winner = world.people["bob" if lead_first else "alice"].id
    assert world.server_ticket(ticket_id)["assignee_id"] == winner
    await first.sync()
    for client in (alice, lee):
        assert client.cache.ticket(ticket_id)["assignee_id"] == winner
        await client.close()


class ConvergenceMachine(RuleBasedStateMachine):
    """Three clients, two tickets; random offline writes, syncs and lost replies."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="agentdesk-hyp-"))
        self.world = asyncio.run(build_world(self.tmp, tickets=2))
        self.clients = {who: self.world.client(who) for who in PEOPLE}
        self.queued: dict[str, int] = dict.fromkeys(PEOPLE, 0)
        self.messages: list[str] = []
        for who in PEOPLE:
            self.sync(who)

    def sync(self, who: str) -> None:
        client = self.clients[who]

        async def once() -> None:
            await client.engine.sync_once()
            await client.backend.aclose()

        asyncio.run(once())
        client.backend = self.world.backend(who, client.cache.client_id)
        client.engine.backend = client.backend

    @rule(
        who=st.sampled_from(PEOPLE),
        ticket=st.integers(0, 1),
        status=st.sampled_from(["open", "pending", "on-hold", "solved"]),
    )
    def set_status(self, who: str, ticket: int, status: str) -> None:
        ticket_id = self.world.ticket_ids[ticket]
        if self.clients[who].cache.update_ticket(ticket_id, status=status) is not None:
            self.queued[who] += 1

    @rule(
        who=st.sampled_from(PEOPLE),
        ticket=st.integers(0, 1),
        priority=st.sampled_from(["low", "normal", "high", "urgent"]),
    )
    def set_priority(self, who: str, ticket: int, priority: str) -> None:
        ticket_id = self.world.ticket_ids[ticket]
        if self.clients[who].cache.update_ticket(ticket_id, priority=priority) is not None:
            self.queued[who] += 1

    @rule(who=st.sampled_from(PEOPLE), ticket=st.integers(0, 1), tag=st.sampled_from("xyz"))
    def toggle_tag(self, who: str, ticket: int, tag: str) -> None:
        cache = self.clients[who].cache
        ticket_id = self.world.ticket_ids[ticket]
        present = tag in (cache.ticket(ticket_id)["tags"] or [])
        if present:
            mutation_id = cache.tag_ticket(ticket_id, remove=[tag])
        else:
            mutation_id = cache.tag_ticket(ticket_id, add=[tag])
        self.queued[who] += mutation_id is not None

    @rule(who=st.sampled_from(PEOPLE), ticket=st.integers(0, 1), public=st.booleans())
    def reply(self, who: str, ticket: int, public: bool) -> None:
        ticket_id = self.world.ticket_ids[ticket]
        self.messages.append(self.clients[who].cache.add_message(ticket_id, f"{who}", public))
        self.queued[who] += 1

    @rule(who=st.sampled_from(PEOPLE))
    def go_online(self, who: str) -> None:
        self.sync(who)

    @precondition(lambda self: any(self.queued.values()))
    @rule(who=st.sampled_from(PEOPLE))
    def reply_lost_after_commit(self, who: str) -> None:
        if not self.clients[who].cache.pending_mutations(1):
            return
        self.world.app.inject(Fault("/v1/mutations", "drop_after"))
        with pytest.raises(TransientError):
            self.sync(who)

    @rule(who=st.sampled_from(PEOPLE), keep=st.sampled_from(["mine", "theirs"]))
    def resolve_a_conflict(self, who: str, keep: str) -> None:
        cache = self.clients[who].cache
        open_conflicts = cache.conflicts()
        if open_conflicts:
            self.queued[who] += cache.resolve_conflict(open_conflicts[0].id, keep) is not None

    @rule(who=st.sampled_from(PEOPLE))
    def restart(self, who: str) -> None:
        """The client process ends and starts again: a new cache handle, engine and backend."""
        from agentdesk.store import Cache
        from agentdesk.sync.engine import SyncEngine

        client = self.clients[who]
        path = client.cache.path
        asyncio.run(client.backend.aclose())
        client.cache.close()
        client.cache = Cache.open(path)
        client.backend = self.world.backend(who, client.cache.client_id)
        client.engine = SyncEngine(client.cache, client.backend)

    @invariant()
    def outbox_ids_increase(self) -> None:
        for client in self.clients.values():
            ids = [row.id for row in client.cache.outbox_rows()]
            assert ids == sorted(ids) and len(ids) == len(set(ids))

    def teardown(self) -> None:
        try:
            for _ in range(2):  # quiesce: push everything, then everyone pulls everything
                for who in PEOPLE:
                    self.sync(who)
            ticket_ids = self.world.ticket_ids
            expected = server_view(self.world, ticket_ids)
            server_messages = [m for view in expected.values() for m in view[4]]
            for message_id in self.messages:
                assert server_messages.count(message_id) == 1
            for who, client in self.clients.items():
                assert client.cache.pending_count() == 0
                records = self.world.mutation_records(client.cache.client_id)
                assert records == list(range(1, len(records) + 1))
                assert len(records) == self.queued[who]
                assert cache_view(client, ticket_ids) == expected, who
        finally:
            for client in self.clients.values():
                asyncio.run(client.backend.aclose())
                client.cache.close()
            self.world.engine.dispose()
            shutil.rmtree(self.tmp, ignore_errors=True)


ConvergenceMachine.TestCase.settings = settings(
    max_examples=8,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_random_offline_online_sequences_converge = pytest.mark.slow(ConvergenceMachine.TestCase)
