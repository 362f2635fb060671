"""Roles end to end: the real server refuses an agent's reassignment, the app says so
plainly, agents never see lead actions, and a reassigned ticket tells its new owner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from lead_helpers import record_notices, screen_text, until

from agentdesk.config import load_config
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.lead import AssignmentNotices
from agentdesk.tui.screens.help import HelpScreen
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.widgets.agent_picker import UNASSIGNED, AgentPicker
from agentdesk.tui.widgets.ticket_table import TicketTable
from synckit import SERVER_URL, World, build_world

REFUSED = "agents may only assign tickets to themselves"


async def push(world: World, who: str, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(transport=world.transport(), base_url=SERVER_URL) as http:
        response = await http.post(
            "/v1/mutations",
            headers={"Authorization": f"Bearer {world.people[who].token}"},
            json={
                "client_id": f"0192f000-0000-7000-8000-0000000{len(who):05d}",
                "mutations": mutations,
            },
        )
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


async def test_server_refuses_reassignment_by_an_agent_and_allows_a_lead(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    ticket_id, bob = world.ticket_ids[0], world.people["bob"].id
    assign = {"ticket_id": ticket_id, "from": None, "to": bob}
    (result,) = await push(world, "alice", [{"id": 1, "name": "ticket.assign", "args": assign}])
    assert (result["outcome"], result["reason"]) == ("rejected", REFUSED)
    assert world.server_ticket(ticket_id)["assignee_id"] is None
    (result,) = await push(world, "lee", [{"id": 1, "name": "ticket.assign", "args": assign}])
    assert result["outcome"] == "applied"
    assert world.server_ticket(ticket_id)["assignee_id"] == bob


async def test_agents_see_no_lead_actions(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    alice = world.client("alice")
    try:
        await alice.sync()
        app = AgentDeskApp(alice.cache, None, config=load_config())
        async with app.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            actions = {b.binding.action for b in app.screen.active_bindings.values()}
            assert not actions & {"workload", "kpi", "distribute"}  # footer, help, palette
            assert "Workload" not in screen_text(pilot)
            assert not app.warm_kpis()  # no figures computed for agents either
            await pilot.press("W", "K", "D")
            await pilot.pause()
            assert isinstance(app.screen, QueueScreen)
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            assert "app.workload" not in screen_text(pilot)
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            await pilot.press("2")  # unassigned in my groups
            await until(pilot, lambda: app.screen.query_one(TicketTable).row_count == 2)
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, AgentPicker))
            picker = app.screen
            assert [value for _, value in picker.choices] == [world.people["alice"].id, UNASSIGNED]
    finally:
        await alice.close()


async def test_app_says_plainly_when_the_server_refuses_a_reassignment(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    alice = world.client("alice")
    try:
        await alice.sync()
        # Alice's cache still believes she is a lead (her role changed on the server since).
        me = dict(alice.cache.me())
        alice.cache.apply_changes(
            [("agent", me["id"], "upsert", {**me, "role": "lead"})], alice.cache.cursor
        )
        app = AgentDeskApp(alice.cache, alice.engine, config=load_config())
        notices = record_notices(app)
        async with app.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            await until(pilot, lambda: "● online" in screen_text(pilot))
            await pilot.press("2")
            table = app.screen.query_one(TicketTable)
            await until(pilot, lambda: table.row_count == 2)
            ticket_id = table.source.row(0).id
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, AgentPicker))
            await pilot.press(*"Bob", "enter")
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            await until(pilot, lambda: alice.cache.rejected_count() == 1, timeout=20)
            expected = f"Reassignment of #{ticket_id} refused by the server: {REFUSED}"
            await until(pilot, lambda: expected in notices, timeout=20)
            assert world.server_ticket(ticket_id)["assignee_id"] is None
            assert alice.cache.ticket(ticket_id)["assignee_id"] is None  # rolled back
    finally:
        await alice.close()


async def test_a_reassigned_ticket_notifies_its_new_owner(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    bob, lee = world.client("bob"), world.client("lee")
    try:
        await bob.sync()
        await lee.sync()
        seen: list[str] = []
        notices = AssignmentNotices()
        notices.check(bob.cache, lambda message, **_: seen.append(message))  # the baseline
        ticket_id = world.ticket_ids[1]
        lee.cache.assign_ticket(ticket_id, world.people["bob"].id)
        await lee.sync()
        await bob.sync()
        notices.check(bob.cache, lambda message, **_: seen.append(message))
        assert seen == [f"#{ticket_id} Ticket 1 is now yours"]
        bob.cache.assign_ticket(world.ticket_ids[0], world.people["bob"].id)  # taken myself
        notices.check(bob.cache, lambda message, **_: seen.append(message))  # app: after_write
        await bob.sync()
        notices.check(bob.cache, lambda message, **_: seen.append(message))
        assert len(seen) == 1  # my own take is no news
    finally:
        await bob.close()
        await lee.close()
