"""Presence and the stale-reply guard with two TUI clients (Pilot) on one real server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Label

from agentdesk.server.embedded import EmbeddedServer
from agentdesk.store import Cache
from agentdesk.tui import presence_app
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.dialogs import ConfirmDialog
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen
from collab.collabkit import desk_app, open_ticket, screen_text, until
from synckit import build_world

SERVER_TTL = timedelta(seconds=2)

# A client that announces presence through the sync layer, renewing, until it is killed.
KILLED_CLIENT = """
import asyncio, sys
from agentdesk.sync.engine import SyncEngine
from agentdesk.sync.reference import ReferenceBackend
from agentdesk.store import Cache

async def main() -> None:
    url, token, ticket, cache_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    cache = Cache.open(cache_path)
    engine = SyncEngine(cache, ReferenceBackend(url, token, cache.client_id))
    while True:
        assert await engine.announce_presence(ticket, "replying")
        print("announced", flush=True)
        await asyncio.sleep(0.3)

asyncio.run(main())
"""


def header(app: AgentDeskApp) -> str:
    screen = app.screen
    if not isinstance(screen, TicketScreen):
        return ""
    return screen.presence_line


@pytest.fixture(autouse=True)
def quick_renewal(monkeypatch: pytest.MonkeyPatch) -> None:
    # The server forgets an announcement after SERVER_TTL: renew well within it.
    monkeypatch.setattr(presence_app, "RENEW_SECONDS", 0.3)


async def test_presence_shows_up_and_goes_away(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2, presence_ttl=SERVER_TTL)
    ticket_id = world.ticket_ids[0]
    with EmbeddedServer(
        engine=world.engine, keepalive_seconds=1, presence_ttl=SERVER_TTL
    ) as server:
        alice, bob = desk_app(world, server, "alice"), desk_app(world, server, "bob")
        async with (
            alice.run_test(size=(160, 40)) as alice_pilot,
            bob.run_test(size=(160, 40)) as bob_pilot,
        ):
            for pilot, app in ((alice_pilot, alice), (bob_pilot, bob)):
                await until(pilot, lambda app=app: app.cache.ticket(ticket_id) is not None)
                await until(pilot, lambda pilot=pilot: "● online" in screen_text(pilot))
                await pilot.press("5")  # the "All open" view

            # bob opens the ticket: alice's queue marks it, with his name
            open_ticket(bob, ticket_id)
            await until(bob_pilot, lambda: isinstance(bob.screen, TicketScreen))
            await until(alice_pilot, lambda: "👁 Bob" in screen_text(alice_pilot))

            # alice opens it too: her header says bob is viewing; bob's says alice is
            open_ticket(alice, ticket_id)
            await until(alice_pilot, lambda: "Bob is viewing" in header(alice))
            await until(bob_pilot, lambda: "Alice is viewing" in header(bob))
            assert "Bob is viewing" in screen_text(alice_pilot)

            # bob starts a reply: "Bob is replying" (and it stays so across renewals)
            await bob_pilot.press("r")
            await until(alice_pilot, lambda: "Bob is replying" in header(alice))
            await bob_pilot.press("escape")  # composer closed: viewing again
            await until(alice_pilot, lambda: "Bob is viewing" in header(alice))

            # bob goes back to his queue: he is gone from alice's header
            await bob_pilot.press("escape")
            await until(alice_pilot, lambda: "Bob" not in header(alice))
            assert "presence unknown" not in header(alice)

            # alice goes back: bob's queue no longer marks the ticket
            await alice_pilot.press("escape")
            await until(bob_pilot, lambda: "👁 Alice" not in screen_text(bob_pilot))


async def test_presence_of_a_killed_client_expires(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2, presence_ttl=SERVER_TTL)
    ticket_id = world.ticket_ids[0]
    with EmbeddedServer(
        engine=world.engine, keepalive_seconds=1, presence_ttl=SERVER_TTL
    ) as server:
        alice = desk_app(world, server, "alice")
        lee = world.people["lee"]
        async with alice.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: alice.cache.ticket(ticket_id) is not None)
            open_ticket(alice, ticket_id)
            await until(pilot, lambda: isinstance(alice.screen, TicketScreen))
            await until(pilot, lambda: "presence unknown" not in header(alice))
            client = subprocess.Popen(
                [sys.executable, "-c", KILLED_CLIENT, server.url, lee.token, str(ticket_id),
                 str(tmp_path / "lee.sqlite3")],
                stdout=subprocess.PIPE,
                env={**os.environ},
            )  # fmt: skip
            try:
                assert client.stdout is not None
                assert client.stdout.readline().strip() == b"announced"
                await until(pilot, lambda: "Lee is replying" in header(alice))
            finally:
                client.send_signal(signal.SIGKILL)
                client.wait()
            # no `left` was ever sent: the server's TTL ends it
            await until(pilot, lambda: "Lee" not in header(alice))


async def test_presence_unknown_offline(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    ticket_id = world.ticket_ids[0]
    server = EmbeddedServer(engine=world.engine, keepalive_seconds=1).start()
    try:
        alice, bob = desk_app(world, server, "alice"), desk_app(world, server, "bob")
        async with (
            alice.run_test(size=(160, 40)) as alice_pilot,
            bob.run_test(size=(160, 40)) as bob_pilot,
        ):
            await until(bob_pilot, lambda: bob.cache.ticket(ticket_id) is not None)
            await until(alice_pilot, lambda: alice.cache.ticket(ticket_id) is not None)
            open_ticket(bob, ticket_id)
            open_ticket(alice, ticket_id)
            await until(alice_pilot, lambda: "Bob is viewing" in header(alice))
            server.stop()  # the connection is gone: no stale names, "presence unknown"
            alice.engine.nudge()
            await until(alice_pilot, lambda: "presence unknown" in header(alice))
            assert "Bob" not in header(alice)
    finally:
        server.stop()

    # No sync engine at all (offline mode): unknown as well.
    cache = Cache.open(world.tmp / "alice-tui.sqlite3")
    offline = AgentDeskApp(cache, None)
    async with offline.run_test(size=(160, 40)) as pilot:
        open_ticket(offline, ticket_id)
        await until(pilot, lambda: "presence unknown" in header(offline))


async def test_stale_reply_guard(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    ticket_id = world.ticket_ids[0]
    with EmbeddedServer(engine=world.engine, keepalive_seconds=1) as server:
        alice, bob = desk_app(world, server, "alice"), desk_app(world, server, "bob")
        async with (
            alice.run_test(size=(160, 40)) as alice_pilot,
            bob.run_test(size=(160, 40)) as bob_pilot,
        ):
            for pilot, app in ((alice_pilot, alice), (bob_pilot, bob)):
                await until(pilot, lambda app=app: app.cache.ticket(ticket_id) is not None)
            open_ticket(alice, ticket_id)
            await until(alice_pilot, lambda: isinstance(alice.screen, TicketScreen))
            before = len(alice.cache.thread(ticket_id))

            # bob answers the customer meanwhile
            open_ticket(bob, ticket_id)
            await until(bob_pilot, lambda: isinstance(bob.screen, TicketScreen))
            await bob_pilot.press("r", *"Refund sent by Bob", "ctrl+s")
            await until(bob_pilot, lambda: bob.cache.pending_count() == 0)
            await until(alice_pilot, lambda: len(alice.cache.thread(ticket_id)) == before + 1)

            # alice's reply: bob's is shown first and she is asked
            await alice_pilot.press("r", *"Hello from Alice", "ctrl+s")
            await until(alice_pilot, lambda: isinstance(alice.screen, ConfirmDialog))
            assert "Bob replied since you opened this ticket" in screen_text(alice_pilot)
            assert "Refund sent by Bob" in screen_text(alice_pilot)
            await alice_pilot.press("n")  # not sent, the text stays in the composer
            await until(alice_pilot, lambda: isinstance(alice.screen, TicketScreen))
            screen = alice.screen
            assert isinstance(screen, TicketScreen)
            assert screen.composer.text_area.text == "Hello from Alice"
            assert len(alice.cache.thread(ticket_id)) == before + 1

            # she has seen it now: sending again goes out without a question
            await alice_pilot.press("ctrl+s")
            await until(alice_pilot, lambda: len(alice.cache.thread(ticket_id)) == before + 2)
            await until(alice_pilot, lambda: alice.cache.pending_count() == 0)
            bodies = [m.body for m in alice.cache.thread(ticket_id)]
            assert bodies[-2:] == ["Refund sent by Bob", "Hello from Alice"]


def queue_title(app: AgentDeskApp) -> str:
    screen = app.screen
    if not isinstance(screen, QueueScreen):
        return ""
    return str(screen.query_one("#queue-title", Label).render())


async def test_queue_title_says_presence_unknown(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    server = EmbeddedServer(engine=world.engine, keepalive_seconds=1).start()
    try:
        alice = desk_app(world, server, "alice")
        async with alice.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: "tickets" in queue_title(alice))
            await until(pilot, lambda: "presence unknown" not in queue_title(alice))
            server.stop()  # offline: the queue no longer vouches for its (absent) marks
            alice.engine.nudge()
            await until(pilot, lambda: "presence unknown" in queue_title(alice))
    finally:
        server.stop()

    # No sync engine at all: the queue says so from the start.
    offline = AgentDeskApp(Cache.open(world.tmp / "alice-tui.sqlite3"), None)
    async with offline.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: "presence unknown" in queue_title(offline))
