"""Shared drafts with two TUI clients (Pilot) on one real server; RT says it has none."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, TextArea

from agentdesk.config import load_config
from agentdesk.server.embedded import EmbeddedServer
from agentdesk.store import Cache, draft_queries
from agentdesk.sync.engine import SyncEngine
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.dialogs import ChoiceDialog
from agentdesk.tui.screens.reviews import ReviewDraftScreen, ReviewsScreen
from agentdesk.tui.screens.ticket import TicketScreen
from collab.collabkit import desk_app, open_ticket, screen_text, until
from synckit import build_world


def notified(app: AgentDeskApp, text: str) -> bool:
    return any(text in note.message for note in app._notifications)


def open_drafts(app: AgentDeskApp) -> list[dict]:
    return draft_queries.shared_drafts(app.cache)


async def test_shared_draft_round_trips_between_two_clients(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    ticket_id = world.ticket_ids[0]
    server = EmbeddedServer(engine=world.engine, keepalive_seconds=1).start()
    try:
        alice, bob = desk_app(world, server, "alice"), desk_app(world, server, "bob")
        async with (
            alice.run_test(size=(160, 40)) as alice_pilot,
            bob.run_test(size=(160, 40)) as bob_pilot,
        ):
            await until(alice_pilot, lambda: alice.cache.ticket(ticket_id) is not None)
            await until(bob_pilot, lambda: bob.cache.ticket(ticket_id) is not None)
            open_ticket(alice, ticket_id)
            await until(alice_pilot, lambda: isinstance(alice.screen, TicketScreen))
            await alice_pilot.press("r", *"Please restart")
            await alice_pilot.press("ctrl+r")  # the composer's share, not sync now
            await until(alice_pilot, lambda: isinstance(alice.screen, ChoiceDialog))
            await alice_pilot.press(*"Bob", "enter")
            await until(alice_pilot, lambda: notified(alice, "shared with Bob"))

            # bob reviews: the list (R), the draft, an edit and a comment
            await until(bob_pilot, lambda: len(open_drafts(bob)) == 1)
            await bob_pilot.press("R")
            await until(bob_pilot, lambda: isinstance(bob.screen, ReviewsScreen))
            await until(bob_pilot, lambda: "Please restart" in screen_text(bob_pilot))
            await bob_pilot.press("enter")
            await until(bob_pilot, lambda: isinstance(bob.screen, ReviewDraftScreen))
            await until(bob_pilot, lambda: bob.screen.query_one(TextArea).text != "")
            await bob_pilot.press("end", *" the router.", "ctrl+s")
            await until(bob_pilot, lambda: notified(bob, "Edit saved"))
            bob.call_later(bob.screen.query_one("#review-comment", Input).focus)
            await bob_pilot.press(*"Name the model", "enter")
            await until(bob_pilot, lambda: notified(bob, "Comment posted"))

            # alice sees the edit and the comment, and sends it
            def edited() -> bool:
                drafts = open_drafts(alice)
                return bool(drafts) and drafts[0]["body"] == "Please restart the router."

            await until(alice_pilot, edited)
            await alice_pilot.press("escape")  # close the composer
            await alice_pilot.press("R")
            await until(alice_pilot, lambda: isinstance(alice.screen, ReviewsScreen))
            await alice_pilot.press("enter")
            await until(alice_pilot, lambda: isinstance(alice.screen, ReviewDraftScreen))
            await until(alice_pilot, lambda: "Bob: Name the model" in screen_text(alice_pilot))
            await alice_pilot.press("ctrl+o")
            await until(
                alice_pilot,
                lambda: any(
                    m["body"] == "Please restart the router."
                    for m in world.server_messages(ticket_id)
                ),
            )
            await until(bob_pilot, lambda: open_drafts(bob) == [])
    finally:
        server.stop()


async def test_rt_profile_says_shared_drafts_are_not_available(tmp_path: Path) -> None:
    from agentdesk.sync.rt import RTBackend

    world = await build_world(tmp_path, tickets=1)
    synced = world.client("alice", name="rt")  # a cache with the ticket in it
    await synced.sync()
    await synced.close()
    cache = Cache.open(tmp_path / "rt.sqlite3")
    # Nothing listens on the discard port: the engine simply stays offline.
    backend = RTBackend("http://127.0.0.1:9", "agent:secret", cache.client_id, timeout=1)
    app = AgentDeskApp(cache, SyncEngine(cache, backend), config=load_config())
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("R")
            await until(pilot, lambda: notified(app, "not available on this backend"))
            assert not isinstance(app.screen, ReviewsScreen)
            app.clear_notifications()
            app.call_later(app.open_ticket, world.ticket_ids[0], None, None)
            await until(pilot, lambda: isinstance(app.screen, TicketScreen))
            await pilot.press("r", *"Draft", "ctrl+r")
            await until(pilot, lambda: notified(app, "not available on this backend"))
            assert not isinstance(app.screen, ChoiceDialog)
            assert draft_queries.shared_drafts(cache) == []
    finally:
        cache.close()
