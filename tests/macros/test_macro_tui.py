"""Pilot flows: the canned-response picker on the ticket screen and in bulk from the queue.

The cache is synced from the real reference server; what the TUI queues is pushed back to
it and checked there.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from agentdesk.config import load_config
from agentdesk.store.macros import create_canned
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.dialogs import ConfirmDialog
from agentdesk.tui.screens.macro_picker import MacroPicker
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen
from synckit import SERVER_URL, Client, World, build_world, file_ticket

HOSTILE_NAME = "[bold red]Eve[/] \x1b]52;c;ZXZpbA==\x07 \x1b[2J"


async def until(pilot: Pilot[object], check: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        if check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await pilot.pause(0.02)


def preview_text(app: AgentDeskApp) -> str:
    return str(app.screen.query_one("#macro-preview", Static).render())


async def desk(tmp_path: Path, tickets: int = 3) -> tuple[World, Client]:
    world = await build_world(tmp_path, tickets=tickets)
    alice = world.client("alice")
    await alice.sync()
    create_canned(
        alice.cache,
        title="Thanks and pending",
        body="Hi {{ customer.first_name }},\n\nthanks for ticket #{{ ticket.id }}.\n"
        "{{ agent.signature }}",
        tags=["thanks"],
        actions={"status": "pending", "add_tags": ["answered"]},
    )
    create_canned(alice.cache, title="Refund approved", body="Refund for {{ customer.name }}.")
    # Parses (so the server takes it) but fails while rendering, on line 2.
    create_canned(alice.cache, title="Broken one", body="Hello\n{{ ticket.id | divided_by: 0 }}")
    await alice.sync()
    return world, alice


def make_app(client: Client) -> AgentDeskApp:
    return AgentDeskApp(client.cache, None, config=load_config())


async def test_picker_preview_insert_confirm_send_changes_status(tmp_path: Path) -> None:
    world, alice = await desk(tmp_path)
    ticket_id = world.ticket_ids[0]
    app = make_app(alice)
    async with app.run_test(size=(140, 44)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        app.open_ticket(ticket_id, None, None)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MacroPicker))
        await pilot.press("t", "h", "n", "k")
        picker = app.screen
        assert isinstance(picker, MacroPicker)
        await until(
            pilot, lambda: picker.shown and picker.shown[0].candidate.title.startswith("Th")
        )
        text = preview_text(app)
        assert "Hi Customer," in text and f"ticket #{ticket_id}." in text
        assert "⟦agent.signature⟧" in text  # missing value marked, not silently empty
        assert "status → pending" in text and "tags + answered" in text
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        area = screen.composer.text_area
        await until(pilot, lambda: "thanks for ticket" in area.text)
        assert screen.composer.is_open and "⟦agent.signature⟧" in area.text

        # Sending is held while a placeholder has no value; "n" goes back to editing.
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        assert alice.cache.pending_count() == 0
        area.insert("  edited by hand")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        # reply, status, tags, one use of the response: one ordered batch
        await until(pilot, lambda: alice.cache.pending_count() == 4)
        names = [row.name for row in alice.cache.outbox_rows(["pending"])]
        assert names == ["message.add", "ticket.update", "ticket.tags", "canned_response.use"]
        assert alice.cache.ticket(ticket_id)["status"] == "pending"  # optimistic
    await alice.sync()
    server = world.server_ticket(ticket_id)
    assert server["status"] == "pending" and server["tags"] == ["answered"]
    body = world.server_messages(ticket_id)[-1]["body"]
    assert body.startswith("Hi Customer,\n\nthanks for ticket #") and "⟦" not in body
    assert "edited by hand" in body
    assert alice.cache.row("canned_response", _id(alice, "Thanks and pending"))["usage_count"] == 1
    await alice.close()


def _id(client: Client, title: str) -> str:
    return next(r["id"] for r in client.cache.canned_responses() if r["title"] == title)


async def test_escape_leaves_nothing_and_errors_show_their_line(tmp_path: Path) -> None:
    world, alice = await desk(tmp_path)
    ticket_id = world.ticket_ids[1]
    app = make_app(alice)
    async with app.run_test(size=(140, 44)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        app.open_ticket(ticket_id, None, None)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MacroPicker))
        for key in "broken":
            await pilot.press(key)
        await until(pilot, lambda: "Template error" in preview_text(app))
        assert "line 2" in preview_text(app) and "divide by 0" in preview_text(app)
        await pilot.press("enter")  # refused: stays open
        assert isinstance(app.screen, MacroPicker)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        assert not screen.composer.is_open and screen.composer.text_area.text == ""
        assert alice.cache.draft(ticket_id, "reply") is None
        assert alice.cache.pending_count() == 0
    await alice.close()


async def test_hostile_customer_fields_stay_inert_in_the_preview(tmp_path: Path) -> None:
    world, alice = await desk(tmp_path)
    async with httpx.AsyncClient(transport=world.transport(), base_url=SERVER_URL) as http:
        response = await http.post(
            "/v1/tickets",
            headers={"Authorization": f"Bearer {world.people['ada'].token}"},
            json={
                "subject": "[@click=app.quit]quit[/] hostile",
                "body": "x",
                "channel": "email",
                "group": "support",
                "customer": {"email": "eve@example.org", "name": HOSTILE_NAME},
            },
        )
        assert response.status_code == 201
        ticket_id = int(response.json()["id"])
    await alice.sync()
    app = make_app(alice)
    async with app.run_test(size=(140, 44)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        app.open_ticket(ticket_id, None, None)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MacroPicker))
        for key in "refund":
            await pilot.press(key)
        await until(pilot, lambda: "Refund for" in preview_text(app))
        text = preview_text(app)
        assert "[bold red]Eve[/]" in text  # markup shown as typed, not applied
        assert "\x1b" not in text and "\x07" not in text
        assert "␛]52;c;ZXZpbA==␇" in text
        assert app.is_running  # the [@click=app.quit] subject did nothing
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        inserted = screen.composer.text_area.text
        assert inserted.startswith("Refund for [bold red]Eve[/] ␛]52;c;ZXZpbA==␇")
        assert "\x1b" not in inserted and "\x07" not in inserted
    await alice.close()


async def test_bulk_from_queue_sends_personalised_replies(tmp_path: Path) -> None:
    world, alice = await desk(tmp_path, tickets=0)
    async with httpx.AsyncClient(transport=world.transport(), base_url=SERVER_URL) as http:
        for n in range(50):
            world.ticket_ids.append(await file_ticket(http, world.people["ada"].token, n))
    create_canned(
        alice.cache,
        title="Thanks by name",
        body="Dear {{ customer.name }} ({{ customer.email }}),\nabout #{{ ticket.id }}: "
        "{{ ticket.subject }}.{{ agent.signature }}",
        actions={"status": "pending", "add_tags": ["answered"]},
    )
    await alice.sync()
    app = make_app(alice)
    async with app.run_test(size=(140, 44)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        queue.table.marks.update(world.ticket_ids)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MacroPicker))
        for key in "byname":
            await pilot.press(key)
        await until(pilot, lambda: "applies to 50 tickets" in preview_text(app))
        assert "Dear Customer 0 (c0@example.org)" in preview_text(app)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "to 50 tickets" in dialog.question
        assert "status → pending" in dialog.detail and "agent.signature" in dialog.detail
        await pilot.press("y")
        await until(pilot, lambda: alice.cache.pending_count() == 50 * 4)
        await until(pilot, lambda: not queue.table.marks)
    report = await alice.sync()
    assert {r.outcome for r in report.results} == {"applied"}
    for n, ticket_id in enumerate(world.ticket_ids):
        server = world.server_ticket(ticket_id)
        assert server["status"] == "pending" and server["tags"] == ["answered"]
        replies = [
            m["body"] for m in world.server_messages(ticket_id) if m["author_kind"] == "agent"
        ]
        # Each rendered for its own customer and ticket; the missing signature left empty.
        assert replies == [
            f"Dear Customer {n} (c{n}@example.org),\nabout #{ticket_id}: Ticket {n}."
        ]
    await alice.close()


async def test_picker_ranks_by_match_then_own_use(tmp_path: Path) -> None:
    world, alice = await desk(tmp_path)
    app = make_app(alice)
    async with app.run_test(size=(140, 44)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        picker = MacroPicker(alice.cache, [world.ticket_ids[0]])
        app.push_screen(picker)
        await until(pilot, lambda: bool(picker.shown))
        titles = [m.candidate.title for m in picker.shown]
        assert titles == sorted(titles, key=str.lower)  # no use yet: alphabetical
        options = picker.query_one(OptionList)
        assert options.option_count == 3
        from agentdesk.store.macros import note_use

        note_use(alice.cache, _id(alice, "Refund approved"))
        picker.load()
        picker.filter("")
        assert picker.shown[0].candidate.title == "Refund approved"
        picker.query_one(Input).value = "rfnd"
        await until(pilot, lambda: [m.candidate.title for m in picker.shown] == ["Refund approved"])
        assert picker.shown[0].title_positions == (0, 2, 4, 5)
    await alice.close()


def _editor_script(tmp_path: Path, python: str) -> str:
    """An $EDITOR that rewrites the file with a Python snippet (`text` in, `text` out)."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path, encoding='utf-8').read()\n"
        f"{python}\n"
        "open(path, 'w', encoding='utf-8').write(text)\n"
    )
    return f"{sys.executable} {script}"


async def test_manage_from_the_picker(tmp_path: Path, monkeypatch) -> None:
    world, alice = await desk(tmp_path)
    lee = world.client("lee")
    await lee.sync()
    create_canned(lee.cache, title="Team greeting", body="Hello from the team", shared=True)
    await lee.sync()
    await alice.sync()
    app = make_app(alice)
    async with app.run_test(size=(140, 44)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        picker = MacroPicker(alice.cache, [world.ticket_ids[0]])
        app.push_screen(picker)
        await until(pilot, lambda: bool(picker.shown))

        def titles() -> list[str]:
            return [m.candidate.title for m in picker.shown]

        async def highlight(title: str) -> None:
            picker.query_one(Input).value = title
            await until(pilot, lambda: titles() and titles()[0] == title)

        monkeypatch.setenv(
            "EDITOR", _editor_script(tmp_path, "text = text.replace('Hello', 'Howdy')")
        )
        monkeypatch.delenv("VISUAL", raising=False)
        # A shared one: an agent may copy it but not edit it.
        await highlight("Team greeting")
        await pilot.press("ctrl+e")
        await pilot.pause()
        shared = next(r for r in alice.cache.canned_responses() if r["title"] == "Team greeting")
        assert shared["body"] == "Hello from the team" and alice.cache.pending_count() == 0
        await pilot.press("ctrl+d")
        await highlight("Team greeting (copy)")

        # Edit the copy in $EDITOR.
        await pilot.press("ctrl+e")
        copy_id = _id(alice, "Team greeting (copy)")
        await until(
            pilot,
            lambda: alice.cache.row("canned_response", copy_id)["body"] == "Howdy from the team",
        )

        # New from a skeleton, then delete the copy (after confirming).
        monkeypatch.setenv(
            "EDITOR",
            _editor_script(tmp_path, "text = text.replace('New canned response', 'Brand new')"),
        )
        await pilot.press("ctrl+o")
        await until(
            pilot, lambda: any(r["title"] == "Brand new" for r in alice.cache.canned_responses())
        )
        await highlight("Team greeting (copy)")
        await pilot.press("ctrl+x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: alice.cache.row("canned_response", copy_id) is None)
    report = await alice.sync()
    assert {r.outcome for r in report.results} == {"applied"}
    with world.engine.connect() as conn:
        from sqlalchemy import text

        rows = {
            r[0]: r[1] for r in conn.execute(text("SELECT title, owner_id FROM canned_responses"))
        }
    assert rows["Team greeting"] is None and "Team greeting (copy)" not in rows
    assert rows["Brand new"] == world.people["alice"].id
    await alice.close()
    await lee.close()


async def test_open_picker_follows_a_sync(tmp_path: Path) -> None:
    world, alice = await desk(tmp_path)
    lee = world.client("lee")
    await lee.sync()
    app = make_app(alice)
    async with app.run_test(size=(140, 44)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        picker = MacroPicker(alice.cache, [world.ticket_ids[0]])
        app.push_screen(picker)
        await until(pilot, lambda: len(picker.shown) == 3)
        create_canned(lee.cache, title="Arrived while open", body="Hi", shared=True)
        await lee.sync()
        await alice.sync()  # the app polls the cache and refreshes the top screen
        await until(
            pilot, lambda: "Arrived while open" in [m.candidate.title for m in picker.shown]
        )
    await alice.close()
    await lee.close()
