"""Two TUI clients (Pilot) on one real server (uvicorn on 127.0.0.1): a swarm started with
`S`, invitations, messages both ways in realtime, presence, closing with a summary."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, SelectionList

from agentdesk.config import load_config
from agentdesk.domain.ids import uuid7
from agentdesk.server.embedded import EmbeddedServer
from agentdesk.store import Cache
from agentdesk.sync.engine import SyncEngine
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.swarm import SwarmListScreen, SwarmRoomScreen
from agentdesk.tui.screens.swarm_start import StartSwarmScreen
from collab.collabkit import desk_app, screen_text, until
from synckit import build_world


def notified(app: AgentDeskApp, text: str) -> bool:
    """A toast with `text` was raised (wherever the agent was)."""
    return any(text in note.message for note in app._notifications)


def room_texts(app: AgentDeskApp) -> list[str]:
    screen = app.screen
    return screen.message_texts() if isinstance(screen, SwarmRoomScreen) else []


async def test_two_clients_swarm_in_realtime(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    ticket_id = world.ticket_ids[0]
    with EmbeddedServer(engine=world.engine, keepalive_seconds=1) as server:
        alice, bob = desk_app(world, server, "alice"), desk_app(world, server, "bob")
        try:
            async with (
                alice.run_test(size=(160, 40)) as alice_pilot,
                bob.run_test(size=(160, 40)) as bob_pilot,
            ):
                for pilot, app in ((alice_pilot, alice), (bob_pilot, bob)):
                    await until(pilot, lambda app=app: app.cache.ticket(ticket_id) is not None)
                    await until(pilot, lambda pilot=pilot: "● online" in screen_text(pilot))

                # alice: S on the ticket, pick bob among the ranked experts, write the ask
                alice.open_ticket(ticket_id, None, None)
                await alice_pilot.pause()
                await alice_pilot.press("S")
                await until(alice_pilot, lambda: isinstance(alice.screen, StartSwarmScreen))
                picker = alice.screen.query_one(SelectionList)
                picker.select(world.people["bob"].id)
                alice.screen.query_one(Input).focus()
                await alice_pilot.press(*"Customer sees errors?", "enter")
                await until(alice_pilot, lambda: isinstance(alice.screen, SwarmRoomScreen))

                # bob is told wherever he is, and finds the swarm with `w`
                await until(bob_pilot, lambda: notified(bob, "invites you to a swarm on #"))
                await until(bob_pilot, lambda: "✉ swarms 1" in screen_text(bob_pilot))
                await bob_pilot.press("w")
                await until(bob_pilot, lambda: isinstance(bob.screen, SwarmListScreen))
                await until(bob_pilot, lambda: bool(bob.screen.rows))
                await bob_pilot.press("enter")
                await until(bob_pilot, lambda: isinstance(bob.screen, SwarmRoomScreen))
                await until(bob_pilot, lambda: "✉ swarms" not in screen_text(bob_pilot))

                # both ways, in realtime (no poll for an hour)
                await alice_pilot.press(*"@bob can you check the logs?", "enter")
                await until(bob_pilot, lambda: any("check the logs" in t for t in room_texts(bob)))
                await bob_pilot.press(*"On it: INC-42", "enter")
                await until(alice_pilot, lambda: any("INC-42" in t for t in room_texts(alice)))
                assert "Alice" in room_texts(alice)[0] and "Bob" in room_texts(alice)[1]
                # text from others is inert: no markup parsed, no escape reaches the terminal
                await bob_pilot.press(*"[bold]not bold[/bold] \\e[31m", "enter")
                bob.cache.record_mutation(
                    "swarm.message",
                    {"id": uuid7(), "swarm_id": bob.screen.swarm_id, "body": "red \x1b[31mx"},
                )
                bob.after_write()
                await until(alice_pilot, lambda: any("red " in t for t in room_texts(alice)))
                shown = screen_text(alice_pilot)
                assert "[bold]not bold[/bold]" in shown and "\x1b" not in shown
                # presence: alice sees bob in the room
                await until(alice_pilot, lambda: "● Bob" in screen_text(alice_pilot))

                # alice closes it with a summary: an internal note on the ticket
                await alice_pilot.press("ctrl+l")
                await alice_pilot.pause()
                await alice_pilot.press(*"Log rotation fixed", "enter")
                await until(
                    alice_pilot,
                    lambda: any(
                        m["body"].startswith("Swarm outcome: Log rotation fixed")
                        for m in world.server_messages(ticket_id)
                    ),
                )
                await until(bob_pilot, lambda: "· closed" in screen_text(bob_pilot))
        finally:
            for app in (alice, bob):
                app.cache.close()


async def test_rt_profile_says_swarms_are_not_available(tmp_path: Path) -> None:
    from agentdesk.sync.rt import RTBackend

    cache = Cache.open(tmp_path / "rt.sqlite3")
    # Nothing listens on the discard port: the engine simply stays offline.
    backend = RTBackend("http://127.0.0.1:9", "agent:secret", cache.client_id, timeout=1)
    app = AgentDeskApp(cache, SyncEngine(cache, backend), config=load_config())
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            for key in ("w", "S"):
                await pilot.press(key)
                await until(pilot, lambda: notified(app, "not available on this backend"))
                app.clear_notifications()
            assert not isinstance(app.screen, SwarmListScreen)
    finally:
        cache.close()
